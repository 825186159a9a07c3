// Package profile builds mergeable column profiles: small, versioned summaries
// of a dataset that stand in for the data itself when checking drift.
//
// Each column keeps exact counts (rows, nulls, NaNs, infinities), moments
// (min, max, and mean and variance from exact sums of values and squares), a DDSketch
// quantile sketch with relative accuracy Alpha, a HyperLogLog distinct-count
// sketch, Misra-Gries top-k frequencies with the mass of "other", and, while a
// column holds at most ExactLimit values, the values themselves so that small
// samples are compared exactly.
//
// Profiles merge: merging the profiles of disjoint parts of a dataset gives the
// profile of the whole, exactly for counts, moments, the quantile sketch, the
// distinct sketch and the exact sample, and within the stated error bound for
// top-k. Encoding is deterministic: the same data gives the same bytes.
package profile
