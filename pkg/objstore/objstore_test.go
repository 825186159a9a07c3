package objstore_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mlgate/mlgate/internal/benchgen"
	"github.com/mlgate/mlgate/internal/objstoretest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// corpus is a few parquet-testing files (page index, v2 pages, nesting,
// bloom filters) and a generated feature table, by name.
func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	root := testenv.Shared(t, "corpora", "parquet-testing", "data")
	files := map[string][]byte{}
	for _, name := range []string{"alltypes_tiny_pages.parquet", "datapage_v2.snappy.parquet", "nested_structs.rust.parquet", "data_index_bloom_encoding_stats.parquet"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	files["features.parquet"] = features(t)
	return files
}

var (
	featuresOnce sync.Once
	featuresData []byte
)

func features(t *testing.T) []byte {
	featuresOnce.Do(func() {
		var b bytes.Buffer
		if err := benchgen.Write(&b, 200_000, 50_000, 1); err != nil {
			t.Fatal(err)
		}
		featuresData = b.Bytes()
	})
	return featuresData
}

// infer runs the engine's three tiers over f: contract inference, then
// validation of the data against what was inferred; the output is what the
// evidence would carry.
func infer(t *testing.T, f *parquetx.File) string {
	t.Helper()
	ctx := testenv.Context(t)
	c, err := contract.Infer(ctx, "x", []*parquetx.File{f}, contract.Options{})
	if err != nil {
		return "infer: " + err.Error()
	}
	plan, err := contract.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(ctx, []*parquetx.File{f}, contract.Options{VerifyAll: true})
	if err != nil {
		return "run: " + err.Error()
	}
	out, _ := json.Marshal(res)
	return string(contract.Marshal(c)) + string(out)
}

// TestSameResultsAsLocal runs the same inference and validation on corpus
// files read from each store and from disk: the results must be identical,
// and the remote reads must be ranged (fewer bytes than stored when a
// column or page need not be read is impossible here, as VerifyAll reads
// everything, so only the request count and version are checked).
func TestSameResultsAsLocal(t *testing.T) {
	files := corpus(t)
	for _, srv := range objstoretest.All(t) {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "data")
			for name, b := range files {
				srv.Put(t, "data", "corpus/"+name, b)
			}
			st := objstore.New(objstore.Options{})
			defer st.Close()
			ctx := testenv.Context(t)
			urls, err := st.Expand(ctx, srv.URL("data", "corpus/"))
			if err != nil {
				t.Fatal(err)
			}
			if len(urls) != len(files) {
				t.Fatalf("listing gave %v, want %d objects", urls, len(files))
			}
			for _, u := range urls {
				name := u[strings.LastIndex(u, "/")+1:]
				local, err := parquetx.OpenReader(name, bytes.NewReader(files[name]), int64(len(files[name])))
				if err != nil {
					t.Fatal(err)
				}
				obj, err := st.Open(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				remote, err := parquetx.OpenReader(name, obj, obj.Size())
				if err != nil {
					t.Fatalf("%s: %v", u, err)
				}
				want, got := infer(t, local), infer(t, remote)
				if got != want {
					t.Errorf("%s: remote results differ from local:\nremote: %s\nlocal:  %s", u, got, want)
				}
				rec := obj.Record()
				if obj.Version() == "" || rec.Requests < 2 || rec.BytesRead < 12 {
					t.Errorf("%s: version %q, record %+v", u, obj.Version(), rec)
				}
				t.Logf("%s: %d bytes stored, %d read in %d requests, version %s", u, obj.Size(), rec.BytesRead, rec.Requests, obj.Version())
			}
		})
	}
}

// TestStatisticsContractReadsNoDataPages validates the feature table
// against a contract its footer statistics decide: the reads are the stat,
// the tail, the magic number and one small page-header read per page at most
// (the layout check), never a page body.
func TestStatisticsContractReadsNoDataPages(t *testing.T) {
	data := features(t)
	for _, srv := range objstoretest.All(t) {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "stats")
			srv.Put(t, "stats", "features.parquet", data)
			st := objstore.New(objstore.Options{})
			defer st.Close()
			ctx := testenv.Context(t)
			obj, err := st.Open(ctx, srv.URL("stats", "features.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			f, err := parquetx.OpenReader("features.parquet", obj, obj.Size())
			if err != nil {
				t.Fatal(err)
			}
			c, err := contract.Parse("stats.yaml", []byte(`apiVersion: mlgate.dev/v1
kind: DataContract
dataset:
  rows: {min: 1000}
columns:
  - {name: id, type: int64, nullable: false}
  - {name: clicks, type: int64, nullable: false, min: 0, max: 1000}
  - {name: age, type: int32, min: 18, max: 90}
`))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := contract.Compile(c)
			if err != nil {
				t.Fatal(err)
			}
			res, err := plan.Run(ctx, []*parquetx.File{f}, contract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range res.Checks {
				if ch.Status != "pass" {
					t.Errorf("check %s: %s %s", ch.ID, ch.Status, ch.Message)
				}
			}
			// Three requests open it (stat, tail, magic number); any other
			// read of at most 1 KiB is a page header, larger ones a page.
			rec := obj.Record()
			headers := rec.BytesRead - min(obj.Size(), 64<<10) - 4
			if rec.Requests < 3 || headers > 1024*(rec.Requests-3) {
				t.Errorf("read %d bytes in %d requests: more than the tail, the magic number and page headers", rec.BytesRead, rec.Requests)
			}
			t.Logf("%s: statistics contract read %d of %d bytes (%.3f%%) in %d requests", srv.Scheme, rec.BytesRead, obj.Size(), 100*float64(rec.BytesRead)/float64(obj.Size()), rec.Requests)
		})
	}
}

// TestObjectReplacedMidRun replaces an object between two reads: the second
// read fails with a *ChangedError naming it, on every store.
func TestObjectReplacedMidRun(t *testing.T) {
	data := features(t)
	for _, srv := range objstoretest.All(t) {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "swap")
			srv.Put(t, "swap", "f.parquet", data)
			st := objstore.New(objstore.Options{})
			defer st.Close()
			ctx := testenv.Context(t)
			obj, err := st.Open(ctx, srv.URL("swap", "f.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			srv.Put(t, "swap", "f.parquet", append(bytes.Clone(data[:len(data)-1]), 'X'))
			_, err = obj.ReadAt(make([]byte, 100), 1000)
			var ce *objstore.ChangedError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), srv.URL("swap", "f.parquet")) {
				t.Fatalf("read after the object was replaced: %v, want a ChangedError naming it", err)
			}
		})
	}
}

// TestFaults puts a fault-injecting proxy in front of the S3 server.
func TestFaults(t *testing.T) {
	srv := objstoretest.S3(t)
	srv.Setenv(t)
	srv.CreateBucket(t, "faults")
	data := features(t)
	srv.Put(t, "faults", "f.parquet", data)
	proxy := objstoretest.NewProxy(t, srv.Endpoint)
	t.Setenv("AWS_ENDPOINT_URL_S3", proxy.URL)
	ctx := testenv.Context(t)
	url := srv.URL("faults", "f.parquet")
	readAll := func(st *objstore.Store) ([]byte, objstore.Record, error) {
		obj, err := st.Open(ctx, url)
		if err != nil {
			return nil, objstore.Record{}, err
		}
		got := make([]byte, obj.Size())
		obj.Prefetch(0, obj.Size())
		_, err = obj.ReadAt(got, 0)
		return got, obj.Record(), err
	}

	t.Run("throttled", func(t *testing.T) {
		st := objstore.New(objstore.Options{RetryBase: 1})
		defer st.Close()
		proxy.Inject(7, objstoretest.SlowDown, objstoretest.Ranged)
		got, rec, err := readAll(st)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("after 503 SlowDown: err %v, equal %v", err, bytes.Equal(got, data))
		}
		t.Logf("record with retries: %+v", rec)
	})
	t.Run("dropped connection", func(t *testing.T) {
		st := objstore.New(objstore.Options{RetryBase: 1})
		defer st.Close()
		proxy.Inject(2, objstoretest.Drop, objstoretest.Ranged)
		got, _, err := readAll(st)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("after a dropped connection: err %v, equal %v", err, bytes.Equal(got, data))
		}
	})
	t.Run("throttled for good", func(t *testing.T) {
		st := objstore.New(objstore.Options{RetryBase: 1, Retries: 2})
		defer st.Close()
		proxy.Inject(1000, objstoretest.SlowDown, objstoretest.Ranged)
		defer proxy.Reset()
		_, _, err := readAll(st)
		if err == nil || !strings.Contains(err.Error(), url) {
			t.Fatalf("endless throttling: %v, want an error naming %s", err, url)
		}
	})
	t.Run("access denied", func(t *testing.T) {
		st := objstore.New(objstore.Options{})
		defer st.Close()
		proxy.Inject(1000, objstoretest.Deny, nil)
		defer proxy.Reset()
		_, _, err := readAll(st)
		if err == nil || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "AWS credentials from") || strings.Contains(err.Error(), objstoretest.S3Secret) {
			t.Fatalf("denied: %v, want access denied naming the credential source and not the secret", err)
		}
	})
	t.Run("missing object", func(t *testing.T) {
		st := objstore.New(objstore.Options{})
		defer st.Close()
		_, err := st.Open(ctx, srv.URL("faults", "nope.parquet"))
		if err == nil || !strings.Contains(err.Error(), "s3://faults/nope.parquet: no such object") {
			t.Fatalf("missing object: %v", err)
		}
	})
}

// TestListing10000 expands a prefix of 10,000 objects on S3 (2,500 on GCS,
// whose emulator is slower to fill; still three pages) and a glob over it.
func TestListing10000(t *testing.T) {
	for _, srv := range []*objstoretest.Server{objstoretest.S3(t), objstoretest.GCS(t)} {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "many")
			n := 10_000
			if srv.Scheme == "gs" {
				n = 2_500
			}
			var wg sync.WaitGroup
			keys := make(chan string)
			for range 8 {
				wg.Go(func() {
					for k := range keys {
						srv.Put(t, "many", k, []byte("x"))
					}
				})
			}
			for i := range n {
				keys <- fmt.Sprintf("p/%05d.parquet", i)
			}
			close(keys)
			wg.Wait()
			st := objstore.New(objstore.Options{})
			defer st.Close()
			ctx := testenv.Context(t)
			all, err := st.Expand(ctx, srv.URL("many", "p/"))
			if err != nil || len(all) != n || all[0] != srv.URL("many", "p/00000.parquet") || all[n-1] != srv.URL("many", fmt.Sprintf("p/%05d.parquet", n-1)) {
				t.Fatalf("prefix: %d objects, err %v", len(all), err)
			}
			some, err := st.Expand(ctx, srv.URL("many", "p/001*.parquet"))
			if err != nil || len(some) != 100 || some[0] != srv.URL("many", "p/00100.parquet") {
				t.Fatalf("glob: %v, err %v", some, err)
			}
			if _, err := st.Expand(ctx, srv.URL("many", "q/*.parquet")); err == nil || !strings.Contains(err.Error(), "matches no objects") {
				t.Fatalf("empty glob: %v", err)
			}
		})
	}
}
