package profile

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// TestWordHashesAreXXHash: the inlined hashes of numeric values are
// xxhash.Sum64 of their bytes, as profiles written before hold.
func TestWordHashesAreXXHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []uint64{0, 1, 1 << 63, ^uint64(0)}
	for range 10000 {
		words = append(words, rng.Uint64())
	}
	var b [16]byte
	for i, a := range words {
		c := words[(i*7+1)%len(words)]
		binary.LittleEndian.PutUint64(b[:8], a)
		binary.LittleEndian.PutUint64(b[8:], c)
		if got, want := hash8(a), xxhash.Sum64(b[:8]); got != want {
			t.Fatalf("hash8(%#x) = %#x, xxhash %#x", a, got, want)
		}
		if got, want := hash16(a, c), xxhash.Sum64(b[:]); got != want {
			t.Fatalf("hash16(%#x, %#x) = %#x, xxhash %#x", a, c, got, want)
		}
	}
}
