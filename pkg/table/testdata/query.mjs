// query.mjs runs SQL queries with DuckDB, the independent reader the
// table tests compare against, and answers each with its first column's
// values as strings.
//
// Usage: node query.mjs NPM_DIR < ["SELECT ...", ...] > [["1", "2"], ...]
// (an entry is {"error": "..."} when DuckDB fails).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = createRequire(join(resolve(process.argv[2]), 'package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(entry).href);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const out = [];
for (const sql of JSON.parse(readFileSync(0, 'utf8'))) {
  try {
    const r = await con.runAndReadAll(sql);
    out.push(r.getRows().map((row) => String(row[0])));
  } catch (e) {
    out.push({ error: String(e) });
  }
}
process.stdout.write(JSON.stringify(out));
