package contract

import (
	"context"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// Infer's exact uniqueness check runs in passes over hash ranges when the
// rows' hashes would not fit the memory budget; the passes together find
// what one pass finds: a duplicate ("not-an-email" on rows 3 and 303, in
// different row groups) and its absence.
func TestInferUniqueInPasses(t *testing.T) {
	dir := t.TempDir()
	dup := fixtureRows(4000)
	distinct := fixtureRows(4000)
	s := "unique@example.com"
	distinct[303].Email = &s
	for name, rows := range map[string][]txRow{"duplicate": dup, "distinct": distinct} {
		files := openAll(t, writeFixture(t, dir, name+".parquet", rows, 100))
		col := files[0].Schema.Lookup("email")
		for _, memory := range []int64{0, 16 << 10} {
			opts := Options{}
			opts.Scan.Memory = memory
			passes := keyPasses(4000, col, memory)
			if (memory == 0) != (passes == 1) {
				t.Fatalf("memory %d: %d passes", memory, passes)
			}
			c, err := Infer(context.Background(), name, files, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Column("email").Unique != nil; got != (name == "distinct") {
				t.Errorf("%s, %d passes: email unique %v", name, passes, got)
			}
		}
	}
}

// The sketch rules a column out of the exact check only when it has
// duplicates for certain.
func TestNearlyDistinct(t *testing.T) {
	for _, tc := range []struct {
		n, distinct int
		want        bool
	}{{300, 300, true}, {300, 299, false}, {100000, 100000, true}, {100000, 99000, true}, {100000, 50000, false}} {
		p := &profile{}
		for i := range tc.n {
			p.values++
			p.seen.AddHash(stableHash(parquet.Int64Value(int64(i % tc.distinct))))
		}
		if got := p.nearlyDistinct(); got != tc.want {
			t.Errorf("%d values, %d distinct: %v, want %v (estimate %d)", tc.n, tc.distinct, got, tc.want, p.seen.Estimate())
		}
	}
}
