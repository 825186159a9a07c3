-- The benchmark feature table written by DuckDB with its default Parquet
-- writer settings except ZSTD and 1M-row row groups, the layout of issue 19
-- (DuckDB 1.5.6 defaults to Snappy and 122,880-row groups); its own choice of
-- PLAIN or dictionary encoding per column, no page index. The runner is
-- scripts/bench/duckdb-table.mjs. The same columns
-- and value ranges as internal/benchgen; every value derives from hash(i, k)
-- with fixed k, so the file's content is the same on every run and thread
-- count. {rows} and {out} are substituted by the runner.
SET TimeZone = 'UTC';
COPY (
  SELECT
    i::BIGINT AS id,
    'u' || lpad((hash(i, 42) % 1000000000000)::VARCHAR, 12, '0') AS user_id,
    'user' || (hash(i, 42) % 10000000)::VARCHAR || '@example.com' AS email,
    ['AR','AU','BR','CA','CN','DE','ES','FR','GB','IN','IT','JP','KR','MX','NL','PL','SE','TR','US','ZA'][1 + (hash(i, 43) % 20)::INTEGER] AS country,
    ['android','ios','web','tv'][1 + (hash(i, 44) % 4)::INTEGER] AS device,
    -- about 2% nulls; log-normal amounts (Box-Muller from two hashed uniforms)
    CASE WHEN hash(i, 45) % 50 = 0 THEN NULL
         ELSE least(100000, round(exp(1.2 * sqrt(-2 * ln((hash(i, 46) % 4294967296 + 1) / 4294967297))
                                      * cos(2 * pi() * (hash(i, 47) % 4294967296) / 4294967296) + 3.5) * 100) / 100)
    END::DOUBLE AS amount,
    CASE WHEN hash(i, 48) % 100 = 0 THEN NULL ELSE (18 + hash(i, 49) % 73)::INTEGER END AS age,
    (hash(i, 50) % 1001)::BIGINT AS clicks,
    hash(i, 51) % 100 = 0 AS is_fraud,
    make_timestamp((1767225600000000 + hash(i, 52) % 31536000000000)::BIGINT)::TIMESTAMPTZ AS event_time
  FROM range({rows}) r(i)
) TO {out} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000);
