// count.mjs counts the rows of Parquet file lists with DuckDB, the
// independent reader the table tests compare against.
//
// Usage: node count.mjs NPM_DIR < [["a.parquet", ...], ...] > ["12", ...]
// (counts as strings; an entry is {"error": "..."} when DuckDB fails).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = createRequire(join(resolve(process.argv[2]), 'package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(entry).href);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const out = [];
for (const files of JSON.parse(readFileSync(0, 'utf8'))) {
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
  try {
    const r = await con.runAndReadAll(`SELECT count(*)::VARCHAR FROM read_parquet([${list}], union_by_name = true)`);
    out.push(r.getRows()[0][0]);
  } catch (e) {
    out.push({ error: String(e) });
  }
}
process.stdout.write(JSON.stringify(out));
