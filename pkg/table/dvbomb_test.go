package table

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// nativeDV frames 32-bit bitmaps (keyed by their index) in the native
// RoaringBitmapArray layout.
func nativeDV(t testing.TB, parts ...*roaring.Bitmap) []byte {
	data := binary.BigEndian.AppendUint32(nil, dvMagicNative)
	data = binary.BigEndian.AppendUint32(data, uint32(len(parts)))
	for _, p := range parts {
		var buf bytes.Buffer
		if _, err := p.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		data = binary.BigEndian.AppendUint32(data, uint32(buf.Len()))
		data = append(data, buf.Bytes()...)
	}
	return data
}

// The native and portable layouts of one set decode to the same rows.
func TestDVLayoutsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 20; round++ {
		want := roaring64.New()
		parts := make([]*roaring.Bitmap, 1+rng.IntN(3))
		for k := range parts {
			parts[k] = roaring.New()
			for i := 0; i < rng.IntN(5000); i++ {
				v := rng.Uint32N(1 << 20)
				if round%3 == 0 {
					parts[k].AddRange(uint64(v), uint64(v)+uint64(rng.IntN(70000)))
				} else {
					parts[k].Add(v)
				}
			}
			for it := parts[k].Iterator(); it.HasNext(); {
				want.Add(uint64(k)<<32 | uint64(it.Next()))
			}
		}
		var portable bytes.Buffer
		portable.Write(binary.LittleEndian.AppendUint32(nil, dvMagic))
		if _, err := want.WriteTo(&portable); err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"native": nativeDV(t, parts...), "portable": portable.Bytes()} {
			got, err := decodeBitmapArray(data)
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, name, err)
			}
			if !got.Equals(want) {
				t.Fatalf("round %d, %s: %d rows, want %d", round, name, got.GetCardinality(), want.GetCardinality())
			}
		}
	}
}

// A vector of a few bytes that deletes 2^32 rows as run containers is
// read as runs, not expanded row by row (which took minutes and
// hundreds of MiB before); the file's row count then refuses it.
func TestDVRunBombIsNotExpanded(t *testing.T) {
	all := roaring.New()
	all.AddRange(0, 1<<32)
	data := nativeDV(t, all)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	bm, err := decodeBitmapArray(data)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if bm.GetCardinality() != 1<<32 {
		t.Fatalf("%d rows, want 2^32", bm.GetCardinality())
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Fatalf("decoding %d bytes allocated %d MiB", len(data), alloc>>20)
	}
}
