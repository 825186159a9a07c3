// Runs scripts/bench/duckdb-table.sql with DuckDB (npm @duckdb/node-api).
// Usage: node duckdb-table.mjs NPM_DIR ROWS OUT.parquet, where NPM_DIR holds
// node_modules/@duckdb/node-api (scripts/npm, as internal/duckdbtest).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [npmDir, rows, out] = process.argv.slice(2);
if (!/^[0-9]+$/.test(rows ?? '')) throw new Error('usage: duckdb-table.mjs NPM_DIR ROWS OUT');
const entry = createRequire(join(resolve(npmDir), 'package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(entry).href);
const sql = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'duckdb-table.sql'), 'utf8')
  .replaceAll('{rows}', rows)
  .replaceAll('{out}', `'${out.replaceAll("'", "''")}'`);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(sql);
