package table

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hamba/avro/v2/ocf"
	"github.com/mlgate/mlgate/internal/testenv"
)

// corpusAvro lists every Avro file of the Iceberg corpus.
func corpusAvro(t testing.TB) []string {
	var files []string
	root := testenv.Shared(t, "corpora", "iceberg", "tables")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".avro") {
			files = append(files, p)
		}
		return err
	})
	if len(files) == 0 {
		t.Fatal("no Avro files in the Iceberg corpus")
	}
	return files
}

// Every manifest and manifest list of the corpus (null and deflate
// codecs) reads as hamba/avro's own container decoder reads it.
func TestReadAvroAgreesWithOCF(t *testing.T) {
	for _, p := range corpusAvro(t) {
		var got, want []map[string]any
		if err := readAvro(p, func(r map[string]any) error { got = append(got, r); return nil }); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := ocf.NewDecoder(f)
		if err != nil {
			t.Fatal(err)
		}
		for dec.HasNext() {
			var r map[string]any
			if err := dec.Decode(&r); err != nil {
				t.Fatal(err)
			}
			want = append(want, r)
		}
		f.Close()
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %d records, ocf reads %d (or they differ)", p, len(got), len(want))
		}
	}
}

// avroFile frames one block after the header of a real manifest.
func avroFile(t *testing.T, codec string, count, size int64, block []byte) string {
	t.Helper()
	return avroFileOf(t, `{"type":"record","name":"r","fields":[{"name":"x","type":"long"}]}`, codec, count, size, block)
}

// avroFileOf is avroFile with another schema.
func avroFileOf(t *testing.T, schema, codec string, count, size int64, block []byte) string {
	t.Helper()
	var b []byte
	b = append(b, "Obj\x01"...)
	b = binary.AppendVarint(b, 2)
	for _, kv := range [][2]string{{"avro.schema", schema}, {"avro.codec", codec}} {
		for _, s := range kv {
			b = binary.AppendVarint(b, int64(len(s)))
			b = append(b, s...)
		}
	}
	b = binary.AppendVarint(b, 0)
	sync := bytes.Repeat([]byte{7}, 16)
	b = append(b, sync...)
	b = binary.AppendVarint(b, count)
	b = binary.AppendVarint(b, size)
	b = append(b, block...)
	b = append(b, sync...)
	p := filepath.Join(t.TempDir(), "m.avro")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A container is untrusted: a block claiming more bytes than the file
// holds (hamba/avro's decoder allocated what it claimed: 1 TiB here), a
// negative size (it panicked), a deflate bomb, a record count beyond the
// bytes or beyond a manifest's, and a wrong sync marker are errors naming
// the file.
func TestReadAvroHostile(t *testing.T) {
	var bomb bytes.Buffer
	w, _ := flate.NewWriter(&bomb, flate.BestSpeed)
	w.Write(make([]byte, maxAvroBlock+1<<20))
	w.Close()
	ok := binary.AppendVarint(nil, 42)
	// 5 Mi records of one byte each, deflated to a few KiB.
	var many bytes.Buffer
	w, _ = flate.NewWriter(&many, flate.BestSpeed)
	w.Write(bytes.Repeat([]byte{4}, 5<<20))
	w.Close()
	for _, tc := range []struct {
		name, want string
		path       string
	}{
		{"huge block", "claims 1099511627776 bytes", avroFile(t, "null", 1, 1<<40, ok)},
		{"negative size", "claims -5 bytes", avroFile(t, "null", 1, -5, ok)},
		{"deflate bomb", "inflates beyond", avroFile(t, "deflate", 1, int64(bomb.Len()), bomb.Bytes())},
		{"count lie", "claims 1000000000 records in 1 bytes", avroFile(t, "null", 1e9, 1, ok)},
		{"records", "more than 4194304 records", avroFile(t, "deflate", 5<<20, int64(many.Len()), many.Bytes())},
		{"sync", "sync marker", avroFile(t, "null", 1, 5, ok)},
		{"codec", `codec "lzma"`, avroFile(t, "lzma", 1, 1, ok)},
	} {
		err := readAvro(tc.path, func(map[string]any) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v, want an error naming the file and %q", tc.name, err, tc.want)
		}
	}
	var got []map[string]any
	if err := readAvro(avroFile(t, "null", 1, int64(len(ok)), ok), func(r map[string]any) error { got = append(got, r); return nil }); err != nil || len(got) != 1 || got[0]["x"] != int64(42) {
		t.Fatalf("a well-formed file: %v %v", got, err)
	}
}

// A manifest whose schema holds itself (a record with a field of its own
// type) and whose one record nests 60 Mi levels deep, deflated to some 60
// KiB: hamba/avro decoded it by recursion until the stack overflowed, a
// fatal error. Such a schema is refused, naming the file and the record; a
// record type used twice, without recursion, still reads.
func TestReadAvroRecursiveSchema(t *testing.T) {
	var nested bytes.Buffer
	w, _ := flate.NewWriter(&nested, flate.BestSpeed)
	w.Write(bytes.Repeat([]byte{2}, 60<<20)) // union branch 1: another r
	w.Write([]byte{0})                       // branch 0: null
	w.Close()
	p := avroFileOf(t, `{"type":"record","name":"r","fields":[{"name":"x","type":["null","r"]}]}`, "deflate", 1, int64(nested.Len()), nested.Bytes())
	if err := readAvro(p, func(map[string]any) error { return nil }); err == nil || !strings.Contains(err.Error(), p+`: Avro schema: record "r" holds itself`) {
		t.Fatalf("recursive schema: %v", err)
	}
	twice := `{"type":"record","name":"top","fields":[{"name":"a","type":{"type":"record","name":"pair","fields":[{"name":"x","type":"long"}]}},{"name":"b","type":"pair"}]}`
	data := binary.AppendVarint(binary.AppendVarint(nil, 1), 2)
	var got []map[string]any
	if err := readAvro(avroFileOf(t, twice, "null", 1, int64(len(data)), data), func(r map[string]any) error { got = append(got, r); return nil }); err != nil || len(got) != 1 {
		t.Fatalf("a record type used twice: %v %v", got, err)
	}
}

// FuzzReadAvro: any bytes read or fail, never panic or allocate what
// they claim.
func FuzzReadAvro(f *testing.F) {
	for _, p := range corpusAvro(f)[:8] {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.avro")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		readAvro(p, func(map[string]any) error { return nil })
	})
}
