// duckdb.mjs writes the differential test's table as Parquet three ways with
// DuckDB and answers the test's SQL questions about the files.
//
// Usage: node duckdb.mjs NPM_DIR < request.json > answers.json, where NPM_DIR
// holds node_modules/@duckdb/node-api (scripts/npm), and the request is
// {"dir": "...", "rows": 20000, "queries": [{"file": "v1", "sql": "..."}]};
// each query's {file} is replaced by the quoted path of that file. Every
// value in the answers is a string (or null), so that no number is rounded
// on its way through JavaScript.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = createRequire(join(resolve(process.argv[2]), 'package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(entry).href);

const req = JSON.parse(readFileSync(0, 'utf8'));
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();

// The table: planted violations and edge values in every column.
await con.run(`
CREATE TABLE t AS
SELECT
  i::BIGINT AS id,
  (1500000000000000000 + i * 4194305)::BIGINT AS snow,
  (18446744073709551615::UBIGINT - (i % 3000)::UBIGINT) AS big,
  CASE WHEN i % 1000 = 0 THEN 9223372036854775807
       WHEN i % 1000 = 1 THEN -9223372036854775808
       WHEN i % 1000 = 2 THEN 9007199254740993
       WHEN i % 1000 = 3 THEN 9007199254740992
       ELSE i * 1000 END::BIGINT AS i64,
  CASE WHEN i % 101 = 0 THEN NULL
       WHEN i % 5 = 1 THEN 'nan'::DOUBLE
       WHEN i % 89 = 0 THEN 'inf'::DOUBLE
       WHEN i % 83 = 0 THEN '-inf'::DOUBLE
       WHEN i % 7 = 0 THEN -0.0::DOUBLE
       ELSE (i % 2600) + 0.25 END AS f,
  CASE WHEN i % 61 = 0 THEN 'nan'::FLOAT
       WHEN i % 67 = 0 THEN '-inf'::FLOAT
       ELSE ((i % 300) / 4)::FLOAT END AS f32,
  CASE WHEN i % 500 = 0 THEN '123456789012345.678'::DECIMAL(18,3)
       WHEN i % 500 = 1 THEN '123456789012345.679'::DECIMAL(18,3)
       WHEN i % 500 = 2 THEN '-999999999999999.999'::DECIMAL(18,3)
       ELSE (((i * 7919) % 1000000)::DECIMAL(18,3) / 1000)::DECIMAL(18,3) END AS d18,
  CASE WHEN i % 400 = 0 THEN NULL
       WHEN i % 400 = 1 THEN '12345678901234567890123456789.123456'::DECIMAL(38,6)
       WHEN i % 400 = 2 THEN '-12345678901234567890123456789.123457'::DECIMAL(38,6)
       ELSE ((i * 1000003)::DECIMAL(38,6) / 7)::DECIMAL(38,6) END AS d38,
  CASE WHEN i % 9 = 0 THEN NULL
       WHEN i % 13 = 0 THEN repeat('é', 39) || 'x' || repeat('ü', 20) || i::VARCHAR
       ELSE 'user' || (i % 50)::VARCHAR END AS s,
  CASE WHEN i % 997 = 0 THEN 'zz' ELSE ['a', 'b', 'c'][1 + i % 3] END AS cat,
  CASE WHEN i % 4 = 0 THEN []::INTEGER[]
       WHEN i % 7 = 0 THEN NULL
       WHEN i % 11 = 0 THEN [i, NULL]
       ELSE [i, i + 1, i % 300] END AS lst,
  {'a': (i % 100)::INTEGER, 'b': CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || (i % 7)::VARCHAR END} AS st,
  (i % 15000)::BIGINT AS dup,
  CASE WHEN i % 3 = 0 THEN -0.0::DOUBLE WHEN i % 3 = 1 THEN 'nan'::DOUBLE ELSE i::DOUBLE END AS zeros,
  CASE WHEN i % 2 = 0 THEN -0.0::DOUBLE ELSE i::DOUBLE END AS zu
FROM range(${Number(req.rows)}) r(i)
ORDER BY i`);

const files = {
  v1: ["v1.parquet", "PARQUET_VERSION V1, COMPRESSION snappy"],
  v2: ["v2.parquet", "PARQUET_VERSION V2, COMPRESSION uncompressed"],
  zstd: ["zstd.parquet", "COMPRESSION zstd, ROW_GROUP_SIZE 2048"],
};
const paths = {};
for (const [key, [name, opts]] of Object.entries(files)) {
  paths[key] = join(req.dir, name);
  const q = "'" + paths[key].replaceAll("'", "''") + "'";
  await con.run(`COPY t TO ${q} (FORMAT parquet, ${opts})`);
}

// The current data of the drift comparison: a subset of t with part of f
// and id shifted, so that every statistic has something to measure.
paths.cur = join(req.dir, "cur.parquet");
await con.run(`COPY (SELECT * REPLACE (CASE WHEN id % 3 = 0 THEN f * 1.5 + 7 ELSE f END AS f, id * 2 AS id)
  FROM t WHERE id % 4 != 1 AND id >= 2000) TO '${paths.cur.replaceAll("'", "''")}' (FORMAT parquet)`);

function text(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    if (Object.is(v, -0)) return '-0';
    return String(v);
  }
  return v.toString();
}

const answers = [];
for (const q of req.queries) {
  const path = "'" + paths[q.file].replaceAll("'", "''") + "'";
  const sql = q.sql.replaceAll('{file}', `read_parquet(${path}, file_row_number = true)`);
  try {
    const r = await con.runAndReadAll(sql);
    answers.push({ rows: r.getRows().map(row => row.map(text)) });
  } catch (e) {
    answers.push({ error: String(e.message || e) });
  }
}
process.stdout.write(JSON.stringify({ files: paths, answers }));
