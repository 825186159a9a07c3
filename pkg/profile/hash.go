package profile

import "math/bits"

// hash8 and hash16 are xxhash.Sum64 of the little-endian bytes of one or
// two 64-bit words, inlined: numeric columns hash every value, and the
// general function on a byte slice costs several times more. They must
// stay equal to xxhash.Sum64 (TestWordHashesAreXXHash): profiles written
// before hold sketches of those hashes, and merge with new ones.
const (
	xxPrime1 uint64 = 11400714785074694791
	xxPrime2 uint64 = 14029467366897019727
	xxPrime3 uint64 = 1609587929392839161
	xxPrime4 uint64 = 9650029242287828579
	xxPrime5 uint64 = 2870177450012600261
)

func hash8(a uint64) uint64 {
	h := xxPrime5 + 8
	h = xxLane(h, a)
	return xxAvalanche(h)
}

func hash16(a, b uint64) uint64 {
	h := xxPrime5 + 16
	h = xxLane(h, a)
	h = xxLane(h, b)
	return xxAvalanche(h)
}

func xxLane(h, k uint64) uint64 {
	k = bits.RotateLeft64(k*xxPrime2, 31) * xxPrime1
	h ^= k
	return bits.RotateLeft64(h, 27)*xxPrime1 + xxPrime4
}

func xxAvalanche(h uint64) uint64 {
	h ^= h >> 33
	h *= xxPrime2
	h ^= h >> 29
	h *= xxPrime3
	h ^= h >> 32
	return h
}
