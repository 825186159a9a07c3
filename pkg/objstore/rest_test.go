package objstore_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/objstoretest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/objstore"
)

// TestKeysNeedingEscapes reads and lists a key with a space, a plus, UTF-8
// and the sub-delimiters on every store: the request paths are escaped the
// way each store signs and resolves them (SigV4, Shared Key).
func TestKeysNeedingEscapes(t *testing.T) {
	const key = "odd dir/a b+c=d&e ü~!'()*,;:@$.parquet"
	data := bytes.Repeat([]byte("0123456789"), 1000)
	for _, srv := range objstoretest.All(t) {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "escapes")
			srv.Put(t, "escapes", key, data)
			st := objstore.New(objstore.Options{})
			defer st.Close()
			ctx := testenv.Context(t)
			urls, err := st.Expand(ctx, srv.URL("escapes", "odd dir/"))
			if err != nil || len(urls) != 1 || urls[0] != srv.URL("escapes", key) {
				t.Fatalf("listing: %q, %v; want [%q]", urls, err, srv.URL("escapes", key))
			}
			obj, err := st.Open(ctx, urls[0])
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 5000)
			if _, err := obj.ReadAt(got, 3000); err != nil || !bytes.Equal(got, data[3000:8000]) {
				t.Fatalf("ranged read: %v, equal %v", err, bytes.Equal(got, data[3000:8000]))
			}
		})
	}
}

// TestAzureAccountKey reads from Azurite with AZURE_STORAGE_ACCOUNT and
// AZURE_STORAGE_KEY (Shared Key) instead of a connection string, the
// service URL built from AZURE_STORAGE_DOMAIN and friends; a wrong key is
// refused naming the account and not the key.
func TestAzureAccountKey(t *testing.T) {
	srv := objstoretest.Azurite(t)
	srv.Setenv(t)
	srv.CreateBucket(t, "keyed")
	srv.Put(t, "keyed", "f.bin", []byte("hello, azure"))
	cs := map[string]string{}
	for part := range strings.SplitSeq(srv.Env["AZURE_STORAGE_CONNECTION_STRING"], ";") {
		if k, v, ok := strings.Cut(part, "="); ok {
			cs[k] = v
		}
	}
	u, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
	t.Setenv("AZURE_STORAGE_ACCOUNT", cs["AccountName"])
	t.Setenv("AZURE_STORAGE_IS_LOCAL_EMULATOR", "true")
	t.Setenv("AZURE_STORAGE_PROTOCOL", "http")
	t.Setenv("AZURE_STORAGE_DOMAIN", u.Host)
	ctx := testenv.Context(t)
	read := func(key string) ([]byte, error) {
		t.Setenv("AZURE_STORAGE_KEY", key)
		st := objstore.New(objstore.Options{Retries: 1, RetryBase: 1})
		defer st.Close()
		obj, err := st.Open(ctx, "az://keyed/f.bin")
		if err != nil {
			return nil, err
		}
		b := make([]byte, obj.Size())
		_, err = obj.ReadAt(b, 0)
		return b, err
	}
	if got, err := read(cs["AccountKey"]); err != nil || string(got) != "hello, azure" {
		t.Fatalf("with the account key: %q, %v", got, err)
	}
	wrong := "d3Jvbmcga2V5IGJ1dCBiYXNlNjQ="
	_, err = read(wrong)
	if err == nil || !strings.Contains(err.Error(), "access denied with the account key in AZURE_STORAGE_KEY for account "+cs["AccountName"]) || strings.Contains(err.Error(), wrong) {
		t.Fatalf("with a wrong key: %v, want access denied naming the account, not the key", err)
	}
}
