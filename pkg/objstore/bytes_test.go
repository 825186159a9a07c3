package objstore_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
