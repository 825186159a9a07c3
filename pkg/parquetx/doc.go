// Package parquetx is mlgate's safe layer over parquet-go: it opens Parquet
// files without trusting them, and reads them in the three tiers the
// validation engine and the profiler need, cheapest first.
//
//   - Open reads and checks the footer: magic bytes, the Thrift metadata
//     (first walked by a bounded reader of its own, so schema depth, element
//     counts, list lengths and nesting are bounded before parquet-go sees it),
//     physical types, column chunk bounds, per-chunk value counts and null
//     counts against the schema's repetition. A panic inside parquet-go is
//     recovered into an error that names the file. Hard corruption is a
//     *CorruptError; soft inconsistencies are listed in File.Warnings.
//   - File.Schema lists every node (groups and leaves) with its dotted path,
//     repetition and logical type (Type), and File.Stats gives each column
//     chunk's footer statistics with trust flags: min/max are only offered
//     when the spec lets a reader rely on them (no deprecated byte-array
//     bounds, no NaN, no unsigned values in signed fields) and exactness is
//     kept from is_min/max_value_exact, which parquet-go does not decode.
//   - Scan(ctx, files, columns, opts, open) is a projected parallel scan: the
//     (file, row group, column) chunks of the named columns are spread over
//     opts.Workers goroutines (GOMAXPROCS by default); open is called once per
//     chunk and returns a ChunkVisitor that first sees the dictionary of a
//     fully dictionary-encoded chunk (and may stop there), then the decoded
//     values page by page with their absolute row numbers. Memory is bounded
//     by opts.Memory, never by file or row-group size: a worker reserves its
//     chunk's largest page and dictionary from the shared budget before
//     reading and waits while the others hold it; pages whose declared size,
//     compressed or not, exceeds opts.MaxPageSize are refused (a
//     *PageLimitError), and a page must decompress to its declared size
//     before parquet-go decodes it. While it reads,
//     Scan cross-checks what it decoded against the metadata (value, null and
//     row counts, leading repetition levels) and parquet-go verifies page
//     CRCs, so data that parquet-go would return silently wrong is reported.
//
// The API above is stable: the profiler builds on it. Add to it; do not
// break it.
package parquetx
