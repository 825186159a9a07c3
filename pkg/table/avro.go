package table

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/hamba/avro/v2"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/mlgate/mlgate/internal/readlimit"
)

// Avro object container files (Iceberg manifests and manifest lists) are
// untrusted input. hamba/avro's ocf decoder sizes a block's buffer from the
// length the block claims before reading it, and inflates a block without
// a bound, so a few bytes could ask for terabytes or panic it. The
// container's framing is therefore read here, every length held to the
// bytes present, every block to maxAvroBlock once decompressed, and the
// whole file to maxAvroFile decompressed and maxAvroRecords records (a
// record of one byte, skipped by the reader, would otherwise let a few
// compressed bytes cost minutes); hamba/avro decodes the records, under
// avroConfig. A manifest of Iceberg's default 8 MiB target holds some
// ten thousand entries.
const (
	maxAvroFile    = 256 << 20
	maxAvroBlock   = 64 << 20
	maxAvroRecords = 4 << 20
)

// avroConfig bounds what one Avro value may allocate: a value may claim
// any length.
var avroConfig = avro.Config{MaxByteSliceSize: 1 << 20, MaxSliceAllocSize: 1 << 20}.Freeze()

var errAvroFraming = errors.New("truncated or malformed Avro container")

// avroBytes reads the container's framing: longs (zigzag varints) and
// length-prefixed bytes, each checked against what is left.
type avroBytes struct{ b []byte }

func (r *avroBytes) long() (int64, error) {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		return 0, errAvroFraming
	}
	r.b = r.b[n:]
	return v, nil
}

func (r *avroBytes) next(n int64) ([]byte, error) {
	if n < 0 || n > int64(len(r.b)) {
		return nil, errAvroFraming
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out, nil
}

// header reads the magic, the metadata map and the sync marker.
func (r *avroBytes) header() (map[string][]byte, []byte, error) {
	if magic, err := r.next(4); err != nil || string(magic) != "Obj\x01" {
		return nil, nil, errors.New("not an Avro object container file")
	}
	meta := map[string][]byte{}
	for {
		count, err := r.long()
		if err != nil {
			return nil, nil, err
		}
		if count == 0 {
			break
		}
		if count < 0 { // a negative count is followed by the block's size
			count = -count
			if _, err := r.long(); err != nil {
				return nil, nil, err
			}
		}
		for ; count > 0; count-- {
			var kv [2][]byte
			for i := range kv {
				n, err := r.long()
				if err != nil {
					return nil, nil, err
				}
				if kv[i], err = r.next(n); err != nil {
					return nil, nil, err
				}
			}
			meta[string(kv[0])] = kv[1]
		}
	}
	sync, err := r.next(16)
	return meta, sync, err
}

// inflate decompresses one block with the container's codec, at most
// maxAvroBlock bytes.
func inflate(codec string, block []byte) ([]byte, error) {
	tooLarge := fmt.Errorf("a block inflates beyond %d bytes", maxAvroBlock)
	switch codec {
	case "", "null":
		return block, nil
	case "deflate":
		out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(block)), maxAvroBlock+1))
		if err == nil && len(out) > maxAvroBlock {
			err = tooLarge
		}
		return out, err
	case "snappy": // a snappy block, then the CRC-32 of the decompressed data
		if len(block) < 4 {
			return nil, errAvroFraming
		}
		body, sum := block[:len(block)-4], binary.BigEndian.Uint32(block[len(block)-4:])
		if n, err := s2.DecodedLen(body); err != nil {
			return nil, err
		} else if n > maxAvroBlock {
			return nil, tooLarge
		}
		out, err := s2.Decode(nil, body)
		if err == nil && crc32.ChecksumIEEE(out) != sum {
			err = errors.New("a snappy block fails its CRC-32")
		}
		return out, err
	case "zstandard":
		d, err := zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxAvroBlock), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return d.DecodeAll(block, nil)
	}
	return nil, fmt.Errorf("Avro codec %q is not supported", codec)
}

// readAvro calls fn with each record of the Avro container file at path.
func readAvro(path string, fn func(map[string]any) error) error {
	data, err := readRegular(path, maxAvroFile)
	if err != nil {
		return err
	}
	r := &avroBytes{data}
	meta, sync, err := r.header()
	if err != nil {
		return fmt.Errorf("%s: not an Avro file: %w", path, err)
	}
	schema, err := avro.ParseBytes(meta["avro.schema"])
	if err != nil {
		return fmt.Errorf("%s: Avro schema: %w", path, err)
	}
	if name := recursiveRecord(schema, map[string]bool{}, map[string]bool{}); name != "" {
		return fmt.Errorf("%s: Avro schema: record %q holds itself; manifests hold no recursive types", path, name)
	}
	codec := string(meta["avro.codec"])
	var inflated, records int64
	for block := 1; len(r.b) > 0; block++ {
		count, err := r.long()
		if err != nil {
			return fmt.Errorf("%s: block %d: %w", path, block, err)
		}
		size, err := r.long()
		if err != nil {
			return fmt.Errorf("%s: block %d: %w", path, block, err)
		}
		raw, err := r.next(size)
		if err != nil {
			return fmt.Errorf("%s: block %d claims %d bytes: %w", path, block, size, err)
		}
		if marker, err := r.next(16); err != nil || !bytes.Equal(marker, sync) {
			return fmt.Errorf("%s: block %d does not end with the file's sync marker", path, block)
		}
		values, err := inflate(codec, raw)
		if err != nil {
			return fmt.Errorf("%s: block %d: %w", path, block, err)
		}
		// Every manifest record takes at least one byte, so a count beyond
		// the block's bytes is a lie (and would loop on empty records).
		if count < 0 || count > int64(len(values)) {
			return fmt.Errorf("%s: block %d claims %d records in %d bytes", path, block, count, len(values))
		}
		inflated, records = inflated+int64(len(values)), records+count
		if inflated > maxAvroFile || records > maxAvroRecords {
			return fmt.Errorf("%s: more than %d records or %d bytes decompressed, not an Iceberg manifest", path, maxAvroRecords, maxAvroFile)
		}
		dec := avro.NewReader(bytes.NewReader(values), 4096, avro.WithReaderConfig(avroConfig))
		for ; count > 0; count-- {
			var rec map[string]any
			dec.ReadVal(schema, &rec)
			if dec.Error != nil {
				return fmt.Errorf("%s: block %d: %w", path, block, dec.Error)
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// readRegular reads a regular file of at most limit bytes.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return readlimit.Read(f, path, limit, "an Avro container")
}

// recursiveRecord names a record of schema s that holds itself, or is "".
// hamba/avro decodes such a record's data by recursion, one level per
// nesting of the data: 60 MiB of nested data, deflated to a 60 KiB
// manifest, overflowed the stack (a fatal error, which no recover catches).
// Iceberg's schemas are trees. open holds the records being walked, done
// those walked (a record used twice is walked once).
func recursiveRecord(s avro.Schema, open, done map[string]bool) string {
	var children []avro.Schema
	switch s := s.(type) {
	case *avro.RefSchema:
		return recursiveRecord(s.Schema(), open, done)
	case *avro.RecordSchema:
		name := s.FullName()
		if open[name] {
			return name
		}
		if done[name] {
			return ""
		}
		open[name] = true
		for _, f := range s.Fields() {
			if r := recursiveRecord(f.Type(), open, done); r != "" {
				return r
			}
		}
		delete(open, name)
		done[name] = true
	case *avro.ArraySchema:
		children = []avro.Schema{s.Items()}
	case *avro.MapSchema:
		children = []avro.Schema{s.Values()}
	case *avro.UnionSchema:
		children = s.Types()
	}
	for _, c := range children {
		if r := recursiveRecord(c, open, done); r != "" {
			return r
		}
	}
	return ""
}
