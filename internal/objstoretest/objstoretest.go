// Package objstoretest starts real object-store servers on loopback for
// tests: versitygw (S3, posix backend), fake-gcs-server (GCS) and Azurite
// (Azure Blob), installed at pinned versions by scripts/install-tools.sh.
// Each runs on a free port and is polled until it answers. In a package whose
// TestMain calls Main, each is started once, on first use, and shared by the
// package's tests (each test takes its own buckets); elsewhere each test
// starts its own, stopped when the test ends. A missing server skips the test
// with a clear message unless MLGATE_STRICT_TESTS=1.
package objstoretest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/azureblob"
	"gocloud.dev/blob/gcsblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcp"

	"github.com/mlgate/mlgate/internal/testenv"
)

// Server is a running object store.
type Server struct {
	// Scheme is the URL scheme mlgate uses for it: s3, gs or az.
	Scheme string
	// Endpoint is the server's base URL on loopback.
	Endpoint string
	// Env is what a client needs to reach it (endpoint, test credentials);
	// Setenv applies it.
	Env map[string]string
	// open returns a client of one bucket, for writing test data.
	open func(ctx context.Context, bucket string) (*blob.Bucket, error)
	// create makes a bucket.
	create func(ctx context.Context, bucket string) error
	// bufferSize is the upload's chunk size (blob.WriterOptions.BufferSize).
	bufferSize int

	shared  bool
	mu      sync.Mutex
	owners  map[string]string       // bucket -> the test that created it
	clients map[string]*blob.Bucket // bucket -> its client, opened once
}

// Main runs a package's tests (call it from TestMain) with each store started
// at most once, when a test first asks for it, and stopped when the tests
// end: Azurite alone takes seconds to start on a loaded machine, and one
// server serves the buckets of every test.
func Main(m *testing.M) {
	registry.mu.Lock()
	registry.on = true
	registry.mu.Unlock()
	code := m.Run()
	registry.mu.Lock()
	for _, stop := range registry.stops {
		stop()
	}
	registry.mu.Unlock()
	os.Exit(code)
}

// registry holds the servers started under Main, by scheme.
var registry struct {
	mu      sync.Mutex
	on      bool
	servers map[string]*Server
	stops   []func() // in the order they must run
}

// cleanups registers what to undo when the server stops: at the end of the
// test, or of the package under Main.
type cleanups func(func())

// get returns the package's shared server of scheme, starting it with
// startFn on first use, or without Main a server of the test's own.
func get(t *testing.T, scheme string, startFn func(t *testing.T, cleanup cleanups) *Server) *Server {
	t.Helper()
	registry.mu.Lock()
	on := registry.on
	registry.mu.Unlock()
	if !on {
		s := startFn(t, t.Cleanup)
		t.Cleanup(s.closeClients)
		return s
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if s := registry.servers[scheme]; s != nil {
		return s
	}
	var stops []func()
	s := func() (s *Server) {
		defer func() {
			if s == nil { // the start failed (t.Fatal) or skipped: undo what it did
				for i := len(stops) - 1; i >= 0; i-- {
					stops[i]()
				}
			}
		}()
		return startFn(t, func(f func()) { stops = append(stops, f) })
	}()
	s.shared = true
	if registry.servers == nil {
		registry.servers = map[string]*Server{}
	}
	registry.servers[scheme] = s
	registry.stops = append(registry.stops, func() {
		s.closeClients()
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	})
	return s
}

// Azurite's well-known development account, documented by Microsoft; not a secret.
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Test credentials of the S3 server.
const (
	S3Access = "mlgate-test"
	S3Secret = "mlgate-test-secret"
)

// All starts every store that is installed, for tests that run the same
// checks against each; it skips (or fails, strictly) when one is missing.
func All(t *testing.T) []*Server {
	return []*Server{S3(t), GCS(t), Azurite(t)}
}

// S3 starts versitygw with a posix backend in a temporary folder; metadata
// (ETags) goes to a sidecar folder, since /tmp may lack extended attributes.
func S3(t *testing.T) *Server {
	t.Helper()
	return get(t, "s3", startS3)
}

func startS3(t *testing.T, cleanup cleanups) *Server {
	t.Helper()
	bin := testenv.Tool(t, "versitygw")
	root, sidecar := tempDir(t, cleanup), tempDir(t, cleanup)
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	start(t, cleanup, exec.Command(bin, "--access", S3Access, "--secret", S3Secret, "--port", addr, "posix", "--sidecar", sidecar, root), "http://"+addr+"/")
	endpoint := "http://" + addr
	s := &Server{Scheme: "s3", Endpoint: endpoint, Env: map[string]string{
		"AWS_ACCESS_KEY_ID": S3Access, "AWS_SECRET_ACCESS_KEY": S3Secret, "AWS_REGION": "us-east-1",
		"AWS_ENDPOINT_URL_S3": endpoint,
	}}
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(S3Access, S3Secret, "")})
	s.open = func(ctx context.Context, bucket string) (*blob.Bucket, error) {
		return s3blob.OpenBucket(ctx, client, bucket, &s3blob.Options{RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	}
	s.create = func(ctx context.Context, bucket string) error {
		_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		return err
	}
	return s
}

// GCS starts fake-gcs-server in memory.
func GCS(t *testing.T) *Server {
	t.Helper()
	return get(t, "gs", startGCS)
}

func startGCS(t *testing.T, cleanup cleanups) *Server {
	t.Helper()
	bin := testenv.Tool(t, "fake-gcs-server")
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	start(t, cleanup, exec.Command(bin, "-scheme", "http", "-host", "127.0.0.1", "-port", strconv.Itoa(port),
		"-backend", "memory", "-public-host", addr, "-external-url", "http://"+addr, "-log-level", "error"),
		"http://"+addr+"/storage/v1/b")
	// Each object in one request: the client's default 16 MiB chunk buffer,
	// allocated for every upload, made filling a bucket four times slower.
	s := &Server{Scheme: "gs", Endpoint: "http://" + addr, Env: map[string]string{"STORAGE_EMULATOR_HOST": addr}, bufferSize: -1}
	s.open = func(ctx context.Context, bucket string) (*blob.Bucket, error) {
		os.Setenv("STORAGE_EMULATOR_HOST", addr) // gcsblob reads it when opening
		return gcsblob.OpenBucket(ctx, &gcp.HTTPClient{}, bucket, nil)
	}
	s.create = func(ctx context.Context, bucket string) error {
		body := strings.NewReader(fmt.Sprintf(`{"name":%q}`, bucket))
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint+"/storage/v1/b?project=test", body)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("creating bucket %s: HTTP %s", bucket, resp.Status)
		}
		return nil
	}
	return s
}

// Azurite starts Azurite's blob service (npm package azurite) in memory.
func Azurite(t *testing.T) *Server {
	t.Helper()
	return get(t, "az", startAzurite)
}

func startAzurite(t *testing.T, cleanup cleanups) *Server {
	t.Helper()
	mod := testenv.NodeModule(t, "azurite")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipped: node is not installed")
	}
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	start(t, cleanup, exec.Command(node, filepath.Join(mod, "dist", "src", "blob", "main.js"), "--blobHost", "127.0.0.1",
		"--blobPort", strconv.Itoa(port), "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl"),
		"http://"+addr+"/"+azuriteAccount+"?comp=list")
	endpoint := "http://" + addr + "/" + azuriteAccount
	cs := "DefaultEndpointsProtocol=http;AccountName=" + azuriteAccount + ";AccountKey=" + azuriteKey + ";BlobEndpoint=" + endpoint + ";"
	s := &Server{Scheme: "az", Endpoint: endpoint, Env: map[string]string{"AZURE_STORAGE_CONNECTION_STRING": cs}}
	client := func(bucket string) (*container.Client, error) {
		return container.NewClientFromConnectionString(cs, bucket, nil)
	}
	s.open = func(ctx context.Context, bucket string) (*blob.Bucket, error) {
		c, err := client(bucket)
		if err != nil {
			return nil, err
		}
		return azureblob.OpenBucket(ctx, c, nil)
	}
	s.create = func(ctx context.Context, bucket string) error {
		c, err := client(bucket)
		if err != nil {
			return err
		}
		_, err = c.Create(ctx, nil)
		return err
	}
	return s
}

// Setenv points clients at the server for the rest of the test.
func (s *Server) Setenv(t *testing.T) {
	t.Helper()
	for k, v := range s.Env {
		t.Setenv(k, v)
	}
}

// URL is the data URL mlgate takes for key in bucket.
func (s *Server) URL(bucket, key string) string { return s.Scheme + "://" + bucket + "/" + key }

// CreateBucket makes a bucket. On a shared server each test takes its own
// buckets: a bucket another test made is refused; the same test run again
// (go test -count) finds its bucket as it left it.
func (s *Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if owner, ok := s.owners[bucket]; ok {
		if s.shared && owner == t.Name() {
			return
		}
		t.Fatalf("%s: bucket %s was made by %s; each test takes its own buckets on the package's shared server", s.Scheme, bucket, owner)
	}
	if err := s.create(context.Background(), bucket); err != nil {
		t.Fatalf("%s: creating bucket %s: %v", s.Scheme, bucket, err)
	}
	if s.owners == nil {
		s.owners = map[string]string{}
	}
	s.owners[bucket] = t.Name()
}

// Put writes an object.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	ctx := context.Background()
	b, err := s.client(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Upload(ctx, key, bytes.NewReader(data), &blob.WriterOptions{ContentType: "application/octet-stream", BufferSize: s.bufferSize}); err != nil {
		t.Fatalf("%s: writing %s/%s: %v", s.Scheme, bucket, key, err)
	}
}

// client returns the bucket's client, opened on first use and kept (with
// its connections) until the server stops.
func (s *Server) client(ctx context.Context, bucket string) (*blob.Bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.clients[bucket]; b != nil {
		return b, nil
	}
	b, err := s.open(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if s.clients == nil {
		s.clients = map[string]*blob.Bucket{}
	}
	s.clients[bucket] = b
	return b, nil
}

func (s *Server) closeClients() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.clients {
		b.Close()
	}
	s.clients = nil
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before the server binds it; start then fails with the server's log.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tempDir is a new folder under scratch(), removed when the server stops.
func tempDir(t *testing.T, cleanup cleanups) string {
	t.Helper()
	dir, err := os.MkdirTemp(scratch(), "objstoretest-")
	if err != nil {
		t.Fatal(err)
	}
	cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// start runs cmd until the server stops and polls ready (any HTTP answer)
// until the server answers, it exits, or the test's deadline nears.
func start(t *testing.T, cleanup cleanups, cmd *exec.Cmd, ready string) {
	t.Helper()
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	ctx := testenv.Context(t)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ready, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited before answering (%v):\n%s", filepath.Base(cmd.Path), err, log.String())
		case <-ctx.Done():
			t.Fatalf("%s did not answer at %s before the test's deadline:\n%s", filepath.Base(cmd.Path), ready, log.String())
		case <-time.After(50 * time.Millisecond): // poll interval, not a wait for readiness
		}
	}
}
