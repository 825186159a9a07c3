package contract

import (
	"math/rand/v2"
	"slices"
	"testing"
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
