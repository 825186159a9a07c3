// Package contract implements mlgate's data contracts: the YAML format
// (apiVersion mlgate.dev/v1, kind DataContract) with positions kept for every
// rule, a validation engine, inference of a contract from data, and a
// compatibility diff between two contracts.
//
// The engine works like a prepared query (OPA's PrepareForEval): Compile
// builds every check once, one small type per rule kind embedding base
// (identity, severity, rendering), each knowing which tier can decide it;
// Plan.Run applies the plan to a dataset of Parquet files, keeping what it
// finds in per-run outcomes, so a plan serves runs one after another or at
// once. A run tries the cheapest tier first for every column chunk: footer
// statistics (metadata), then dictionary entries (dictionary), then a
// projected parallel scan of only the columns still undecided (scan), where
// all checks of a column share one decode of each page, judge each
// dictionary entry once, and test strings on their bytes. A new rule is a
// new type implementing valueCheck (fromStats for the metadata tier, test,
// and bytesTest when it can judge bytes); a new tier before the footers
// would sit in register beside fromStats. Uniqueness is exact: 64-bit hashes
// of every key are sorted, and equal hashes are confirmed against the real
// values in a second, targeted pass.
package contract
