-- contract.yaml as SQL: one row of failure counts. The runners put the
-- Parquet file's path in place of the placeholder in read_parquet.
SELECT
  count(*) FILTER (WHERE id IS NULL) AS id_null,
  count(id) - count(DISTINCT id) AS id_dup,
  count(*) FILTER (WHERE user_id IS NULL) AS user_id_null,
  count(*) FILTER (WHERE NOT regexp_full_match(user_id, 'u[0-9]{12}')) AS user_id_pattern,
  count(*) FILTER (WHERE length(user_id) > 13) AS user_id_length,
  count(*) FILTER (WHERE NOT regexp_full_match(email, 'user[0-9]+@example\.com')) AS email_pattern,
  count(*) FILTER (WHERE length(email) > 40) AS email_length,
  count(*) FILTER (WHERE country IS NULL) AS country_null,
  count(*) FILTER (WHERE country NOT IN ('AR','AU','BR','CA','CN','DE','ES','FR','GB','IN','IT','JP','KR','MX','NL','PL','SE','TR','US','ZA')) AS country_allowed,
  count(*) FILTER (WHERE device NOT IN ('android','ios','web','tv')) AS device_allowed,
  count(*) FILTER (WHERE amount < 0 OR amount > 100000) AS amount_range,
  count(*) FILTER (WHERE amount IS NULL) AS amount_null,
  count(*) FILTER (WHERE age < 18 OR age > 90) AS age_range,
  count(*) FILTER (WHERE age IS NULL) AS age_null,
  count(*) FILTER (WHERE clicks < 0 OR clicks > 1000) AS clicks_range
FROM read_parquet('{table}')
