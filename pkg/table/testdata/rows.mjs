// rows.mjs reads the rows of SQL queries over Parquet files with DuckDB, the
// independent reader the table tests compare against, each value in a
// canonical text: timestamps as epoch microseconds (nanoseconds for _NS),
// times as microseconds of the day, binary and UUIDs as lower-case hex,
// everything else as DuckDB's VARCHAR.
//
// Usage: node rows.mjs NPM_DIR < [{"sql": "...", "limit": N}, ...] > [{"rows": [[...]]} | {"count": "N"} | {"error": "..."}]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = createRequire(join(resolve(process.argv[2]), 'package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(entry).href);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run("SET TimeZone = 'UTC'");

function conv(name, type) {
  const c = `"${name.replaceAll('"', '""')}"`;
  if (type.startsWith('TIMESTAMP_NS')) return `epoch_ns(${c})::VARCHAR`;
  if (type.startsWith('TIMESTAMP')) return `epoch_us(${c})::VARCHAR`;
  if (type === 'TIME') return `date_diff('microsecond', TIME '00:00:00', ${c})::VARCHAR`;
  if (type === 'BLOB') return `lower(hex(${c}))`;
  if (type === 'UUID') return `replace(${c}::VARCHAR, '-', '')`;
  return `${c}::VARCHAR`;
}

const out = [];
for (const q of JSON.parse(readFileSync(0, 'utf8'))) {
  try {
    const n = (await con.runAndReadAll(`SELECT count(*)::VARCHAR FROM (${q.sql})`)).getRows()[0][0];
    if (Number(n) > q.limit) {
      out.push({ count: n });
      continue;
    }
    const desc = (await con.runAndReadAll(`DESCRIBE ${q.sql}`)).getRows();
    const sel = desc.map(([name, type]) => conv(name, type)).join(', ');
    const rows = (await con.runAndReadAll(`SELECT ${sel} FROM (${q.sql})`)).getRows();
    out.push({ count: n, rows: rows.map((r) => r.map((v) => (v === null ? null : String(v)))) });
  } catch (e) {
    out.push({ error: String(e) });
  }
}
process.stdout.write(JSON.stringify(out));
