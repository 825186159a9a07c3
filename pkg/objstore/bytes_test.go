package objstore_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/internal/objstoretest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// TestBytesReadWithinObject reads every parquet-testing file from the S3
// server through the engine's three tiers and a full verification: however
// small its pages, no file costs more bytes than it stores (each range is
// fetched once, not once per page).
func TestBytesReadWithinObject(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing", "data")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := objstoretest.S3(t)
	srv.Setenv(t)
	srv.CreateBucket(t, "bytes")
	ctx := testenv.Context(t)
	var stored, read int64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".parquet") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parquetx.OpenReader(name, bytes.NewReader(data), int64(len(data))); err != nil {
			continue // the engine refuses it locally too
		}
		srv.Put(t, "bytes", name, data)
		st := objstore.New(objstore.Options{})
		obj, err := st.Open(ctx, srv.URL("bytes", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquetx.OpenReader(name, obj, obj.Size())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		infer(t, f)
		rec := obj.Record()
		stored += obj.Size()
		read += rec.BytesRead
		if rec.BytesRead > obj.Size() {
			t.Errorf("%s: read %d bytes of %d stored in %d requests", name, rec.BytesRead, obj.Size(), rec.Requests)
		}
		st.Close()
	}
	t.Logf("%d bytes read of %d stored", read, stored)
}

// TestManyObjectsHoldTheBudget opens many remote Parquet files at once, as a
// dataset of many files does. Their 64 KiB tails live in the one block
// cache, so what stays in memory is bounded by its budget, not by the number
// of files (150 tails held apart would be 9.6 MiB), and every footer reads.
func TestManyObjectsHoldTheBudget(t *testing.T) {
	type row struct {
		V int64 `parquet:"v,plain"`
	}
	rows := make([]row, 12_500) // about 100 KB: the tail is a part of it
	for i := range rows {
		rows[i].V = int64(i)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf, parquet.Compression(&parquet.Uncompressed))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	srv := objstoretest.S3(t)
	srv.Setenv(t)
	srv.CreateBucket(t, "many-tails")
	const files = 150
	for i := range files {
		srv.Put(t, "many-tails", fmt.Sprintf("part-%03d.parquet", i), buf.Bytes())
	}
	const budget = 1 << 20
	st := objstore.New(objstore.Options{BlockSize: 1 << 20, CacheBlocks: 1})
	defer st.Close()
	ctx := testenv.Context(t)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	var open []*parquetx.File
	for i := range files {
		obj, err := st.Open(ctx, srv.URL("many-tails", fmt.Sprintf("part-%03d.parquet", i)))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquetx.OpenReader(obj.URL, obj, obj.Size())
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, f)
	}
	if held := st.CachedBytes(); held > budget {
		t.Errorf("the cache holds %d bytes, over its budget of %d", held, budget)
	}
	// What the open files hold beyond the cache: their footers, not tails.
	grew := int64(heap()) - int64(before)
	t.Logf("%d open files and the cache hold %d bytes", files, grew)
	if grew > budget+4<<20 {
		t.Errorf("%d open files hold %d bytes: more than the cache's %d and their footers", files, grew, budget)
	}
	for _, f := range open {
		if f.NumRows != int64(len(rows)) {
			t.Fatalf("%s: footer reads %d rows", f.Path, f.NumRows)
		}
	}
}
