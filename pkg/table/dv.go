package table

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/mlgate/mlgate/pkg/objstore"
)

// dvMagic starts a Delta deletion vector's serialized RoaringBitmapArray
// (little-endian; the portable 64-bit Roaring format follows, as Spark
// writes it); dvMagicNative starts the older native layout (big-endian:
// a count, then each 32-bit bitmap with its size, keyed by position), as
// in the protocol's inline example.
const (
	dvMagic       = 1681511377
	dvMagicNative = 1681511376
)

// maxDV bounds one deletion vector (a bitmap over a file's rows).
const maxDV = 256 << 20

// DeletedRowSet reads the Delta deletion vector of a live file: the row
// positions (0-based, in file order) the table deletes. Inline vectors
// and vectors in files beside the data are read; absolute paths are
// refused like data paths. The bitmap's cardinality must match the log's.
func (s *Snapshot) DeletedRowSet(f *File) (*roaring64.Bitmap, error) {
	if f.DV == nil {
		return roaring64.New(), nil
	}
	dv := f.DV
	var data []byte
	switch dv.StorageType {
	case "i":
		b, err := z85Decode(dv.PathOrInlineDv)
		if err != nil {
			return nil, fmt.Errorf("%s: inline deletion vector of %s: %w", s.Location, f.Path, err)
		}
		data = b
	case "u":
		p, err := s.dvPath(dv.PathOrInlineDv)
		if err != nil {
			return nil, err
		}
		off := int64(0)
		if dv.Offset != nil {
			off = int64(*dv.Offset)
		}
		if data, err = s.readDVFile(p, off, int64(dv.SizeInBytes)); err != nil {
			return nil, err
		}
	default:
		return nil, &UnsupportedError{Table: s.Location, Feature: "deletion vector storage type " + dv.StorageType, Detail: f.Path}
	}
	bm, err := decodeBitmapArray(data)
	if err != nil {
		return nil, fmt.Errorf("%s: deletion vector of %s: %w", s.Location, f.Path, err)
	}
	if int64(bm.GetCardinality()) != dv.Cardinality {
		return nil, fmt.Errorf("%s: deletion vector of %s deletes %d rows, the log says %d", s.Location, f.Path, bm.GetCardinality(), dv.Cardinality)
	}
	return bm, nil
}

func decodeBitmapArray(data []byte) (bm *roaring64.Bitmap, err error) {
	// The checks below keep the library's allocations to the input's size;
	// a panic it may still have on a malformed container is an error.
	defer func() {
		if p := recover(); p != nil {
			bm, err = nil, fmt.Errorf("malformed Roaring bitmap (%v)", p)
		}
	}()
	switch {
	case len(data) >= 4 && binary.LittleEndian.Uint32(data) == dvMagic:
		return readRoaring64(data[4:])
	case len(data) >= 8 && binary.BigEndian.Uint32(data) == dvMagicNative:
		// The native layout holds the same 32-bit bitmaps as the portable
		// one, framed differently: reframe it and let the library read it,
		// so a few bytes of run containers never expand value by value.
		n := binary.BigEndian.Uint32(data[4:])
		rest := data[8:]
		portable := binary.LittleEndian.AppendUint64(make([]byte, 0, len(data)+8), uint64(n))
		for key := uint32(0); key < n; key++ {
			if len(rest) < 4 || uint64(binary.BigEndian.Uint32(rest)) > uint64(len(rest)-4) {
				return nil, fmt.Errorf("truncated RoaringBitmapArray")
			}
			size := binary.BigEndian.Uint32(rest)
			if read, err := roaring.New().ReadFrom(bytes.NewReader(rest[4 : 4+size])); err != nil {
				return nil, err
			} else if read != int64(size) {
				return nil, fmt.Errorf("a bitmap of %d bytes is framed as %d", read, size)
			}
			portable = binary.LittleEndian.AppendUint32(portable, key)
			portable = append(portable, rest[4:4+size]...)
			rest = rest[4+size:]
		}
		return readRoaring64(portable)
	default:
		return nil, fmt.Errorf("not a RoaringBitmapArray")
	}
}

// readRoaring64 reads a bitmap in the portable 64-bit Roaring format,
// which the library trusts: its count of 32-bit bitmaps sizes slices
// before a byte is read, and unsorted keys or containers would make
// Maximum (the bound checked against the file's rows) lie. So the count
// is held to the bytes present, the bitmap is validated, and every byte
// must belong to it.
func readRoaring64(data []byte) (*roaring64.Bitmap, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("truncated 64-bit Roaring bitmap")
	}
	// Each 32-bit bitmap takes at least a 4-byte key and an 8-byte header.
	if n := binary.LittleEndian.Uint64(data); n > uint64(len(data)-8)/12 {
		return nil, fmt.Errorf("a 64-bit Roaring bitmap of %d bytes claims %d 32-bit bitmaps", len(data), n)
	}
	bm := roaring64.New()
	read, err := bm.ReadFrom(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if read != int64(len(data)) {
		return nil, fmt.Errorf("%d bytes after the Roaring bitmap", int64(len(data))-read)
	}
	if err := bm.Validate(); err != nil {
		return nil, fmt.Errorf("malformed 64-bit Roaring bitmap: %w", err)
	}
	return bm, nil
}

// dvPath is the file of a "u" vector: an optional folder prefix, then a
// z85-encoded UUID (20 characters).
func (s *Snapshot) dvPath(ref string) (string, error) {
	if len(ref) < 20 {
		return "", fmt.Errorf("%s: deletion vector reference %q is too short", s.Location, ref)
	}
	prefix, enc := ref[:len(ref)-20], ref[len(ref)-20:]
	u, err := z85Decode(enc)
	if err != nil || len(u) != 16 {
		return "", fmt.Errorf("%s: deletion vector reference %q: not a z85 UUID", s.Location, ref)
	}
	name := fmt.Sprintf("deletion_vector_%x-%x-%x-%x-%x.bin", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	rel := filepath.ToSlash(filepath.Join(prefix, name))
	if objstore.IsURL(s.Location) { // a remote table (remote.go): the same check, then the URL
		const root = "/table"
		p, err := within(root, rel)
		if err != nil {
			return "", fmt.Errorf("%s: deletion vector path %q leaves the table", s.Location, rel)
		}
		return s.Location + filepath.ToSlash(strings.TrimPrefix(p, root)), nil
	}
	return within(s.Location, rel)
}

// readDVFile reads one vector at off: a big-endian size, the data, and a
// big-endian CRC-32 of the data (Delta's layout, and Iceberg's
// deletion-vector-v1 blob).
func (s *Snapshot) readDVFile(path string, off, size int64) ([]byte, error) {
	if size < 4 || size > maxDV || off < 0 {
		return nil, fmt.Errorf("%s: deletion vector size %d at offset %d is out of range", path, size, off)
	}
	f, fileSize, err := s.deletes.openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if off > fileSize || 4+size+4 > fileSize-off {
		return nil, fmt.Errorf("%s: deletion vector of %d bytes at offset %d runs past the end of the file (%d bytes)", path, size, off, fileSize)
	}
	buf := make([]byte, 4+size+4)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(binary.BigEndian.Uint32(buf)) != size {
		return nil, fmt.Errorf("%s: deletion vector at offset %d says %d bytes, the log %d", path, off, binary.BigEndian.Uint32(buf), size)
	}
	data := buf[4 : 4+size]
	if crc32.ChecksumIEEE(data) != binary.BigEndian.Uint32(buf[4+size:]) {
		return nil, fmt.Errorf("%s: deletion vector at offset %d fails its checksum", path, off)
	}
	return data, nil
}

const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// z85Decode decodes ZeroMQ's Base85 (Z85), which Delta uses for UUIDs and
// inline vectors; a trailing partial group decodes to its bytes.
func z85Decode(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*4/5+4)
	for i := 0; i < len(s); i += 5 {
		group := s[i:min(i+5, len(s))]
		var v uint64
		for j := 0; j < 5; j++ {
			d := 84 // pad a partial group with the highest digit
			if j < len(group) {
				if d = strings.IndexByte(z85Alphabet, group[j]); d < 0 {
					return nil, fmt.Errorf("invalid z85 character %q", group[j])
				}
			}
			v = v*85 + uint64(d)
		}
		if v > 0xFFFFFFFF {
			return nil, fmt.Errorf("invalid z85 group %q", group)
		}
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(v))
		out = append(out, b[:len(group)*4/5]...) // a partial group of n characters holds n-1 bytes
	}
	return out, nil
}
