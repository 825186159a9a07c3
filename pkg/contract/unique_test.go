package contract

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

func TestRepeatedFindsEveryDuplicateHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var table []uint64
	for _, n := range []int{0, 1, 2, 100, 5000} {
		var hashes []uint64
		want := map[uint64]bool{}
		for i := 0; i < n; i++ {
			h := rng.Uint64()
			if i%3 == 0 {
				h = uint64(i % 7) // small values, zero included, repeat
			}
			hashes = append(hashes, h)
		}
		seen := map[uint64]int{}
		for _, h := range hashes {
			if seen[h]++; seen[h] == 2 {
				want[h] = true
			}
		}
		var dups []uint64
		table, dups = repeated(hashes, table)
		got := map[uint64]bool{}
		for _, h := range dups {
			got[h] = true
		}
		if len(got) != len(want) {
			t.Fatalf("n=%d: got %d repeated hashes, want %d", n, len(got), len(want))
		}
		for h := range want {
			if !got[h] {
				t.Fatalf("n=%d: missed %d", n, h)
			}
		}
		if slices.Contains(dups, 0) != want[0] {
			t.Fatalf("n=%d: zero handled wrongly", n)
		}
	}
}

// TestUniqueIsExactUnderCollisions forces every key into two hash values, so
// that nearly all rows are candidates: pass 2 must still count only the real
// duplicates (id 499 twice in the fixture) and (customer, day) none.
func TestUniqueIsExactUnderCollisions(t *testing.T) {
	dir := t.TempDir()
	files := openAll(t, writeFixture(t, dir, "tx.parquet", fixtureRows(1000), 300))
	c := parseString(t, "c.yaml", "dataset:\n  unique:\n    - [customer, day]\ncolumns:\n  - name: id\n    unique: true\n  - name: customer\n  - name: day\n")
	plan, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(context.Background(), files, Options{keyHash: func(v parquet.Value) uint64 { return uint64(v.Int64() & 1) }})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int64{"column.id.unique": 1, "dataset.unique.customer,day": 0} {
		got := checkByID(t, res, id)
		if got.Failures != want || got.Total != 1000 {
			t.Errorf("%s: %d failures of %d, want %d of 1000 (%s)", id, got.Failures, got.Total, want, got.Message)
		}
	}
	if ex := checkByID(t, res, "column.id.unique").Examples; len(ex) != 1 || ex[0].Row != 500 {
		t.Errorf("examples %+v, want row 500", ex)
	}
}

// TestPlanRunsManyTimes: a plan is compiled once and each run starts fresh.
func TestPlanRunsManyTimes(t *testing.T) {
	dir := t.TempDir()
	small := openAll(t, writeFixture(t, dir, "small.parquet", fixtureRows(400), 100))
	large := openAll(t, writeFixture(t, dir, "large.parquet", fixtureRows(1000), 300))
	plan, err := Compile(parseString(t, "c.yaml", "columns:\n  - name: id\n    unique: true\n  - name: amount\n    max: 1000\n"))
	if err != nil {
		t.Fatal(err)
	}
	first := render(runPlan(t, plan, large), dir)
	if got := render(runPlan(t, plan, small), dir); got == first {
		t.Fatal("a different dataset gave the same result")
	}
	if again := render(runPlan(t, plan, large), dir); again != first {
		t.Fatalf("the second run differs:\n%s\n---\n%s", first, again)
	}
}

func runPlan(t *testing.T, plan *Plan, files []*parquetx.File) *Result {
	t.Helper()
	res, err := plan.Run(context.Background(), files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestUniqueBitmapMatchesHashes: an integer key whose statistics bound it
// takes the bitmap path; it must count the same duplicates, with the same
// examples, as the hash path (forced by a key hash that is the identity),
// within one file and across two files whose ids overlap.
func TestUniqueBitmapMatchesHashes(t *testing.T) {
	dir := t.TempDir()
	one := writeFixture(t, dir, "a.parquet", fixtureRows(1000), 300)
	two := writeFixture(t, dir, "b.parquet", fixtureRows(600), 200)
	plan, err := Compile(parseString(t, "c.yaml", "columns:\n  - name: id\n    unique: true\n  - name: day\n    unique: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{one}, {one, two}} {
		files := openAll(t, paths...)
		k := (&keyCheck{columns: []string{"id"}}).start()
		if k.useBitmap(files); k.bits == nil {
			t.Fatalf("%d files: the id key did not take the bitmap path", len(files))
		}
		bitmap := runPlan(t, plan, files)
		hashed, err := plan.Run(context.Background(), files, Options{keyHash: func(v parquet.Value) uint64 { return mix64(uint64(v.Int64())) }})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := render(bitmap, dir), render(hashed, dir); got != want {
			t.Fatalf("%d files: bitmap and hash paths differ:\n%s\n---\n%s", len(files), got, want)
		}
		// Each file holds ids 0 to n-1 but 500, 499 twice: 999 distinct ids
		// in all, so 1000-999 duplicates in one file, 1600-999 in both.
		want := map[int]int64{1: 1, 2: 601}[len(files)]
		if got := checkByID(t, bitmap, "column.id.unique"); got.Failures != want {
			t.Errorf("%d files: %d duplicate ids, want %d (%s)", len(files), got.Failures, want, got.Message)
		}
	}
}
