// Package contract implements mlgate's data contracts: the YAML format
// (apiVersion mlgate.dev/v1, kind DataContract) with positions kept for every
// rule, a validation engine, inference of a contract from data, and a
// compatibility diff between two contracts.
//
// The engine works like a prepared query: Compile turns a contract into a
// Plan once (one small check type per rule kind, each knowing which tier can
// decide it), and Plan.Run applies it to a dataset of Parquet files, trying
// the cheapest tier first for every column chunk: footer statistics
// (metadata), then dictionary entries (dictionary), then a projected parallel
// scan of only the columns still undecided (scan). Uniqueness is exact: 64-bit
// hashes of every key are sorted, and equal hashes are confirmed against the
// real values in a second, targeted pass.
package contract
