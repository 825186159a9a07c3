// Package objstoretest starts real object-store servers on loopback for
// tests: versitygw (S3, posix backend), fake-gcs-server (GCS) and Azurite
// (Azure Blob), installed at pinned versions by scripts/install-tools.sh.
// Each runs on a free port, is polled until it answers, and is stopped when
// the test ends. A missing server skips the test with a clear message unless
// MLGATE_STRICT_TESTS=1.
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
	bin := testenv.Tool(t, "versitygw")
	root := t.TempDir()
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	start(t, exec.Command(bin, "--access", S3Access, "--secret", S3Secret, "--port", addr, "posix", "--sidecar", t.TempDir(), root), "http://"+addr+"/")
	endpoint := "http://" + addr
	s := &Server{Scheme: "s3", Endpoint: endpoint, Env: map[string]string{
		"AWS_ACCESS_KEY_ID": S3Access, "AWS_SECRET_ACCESS_KEY": S3Secret, "AWS_REGION": "us-east-1",
		"AWS_ENDPOINT_URL_S3": endpoint,
	}}
	client := func(endpoint string) *s3.Client {
		return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(S3Access, S3Secret, "")})
	}
	s.open = func(ctx context.Context, bucket string) (*blob.Bucket, error) {
		return s3blob.OpenBucket(ctx, client(endpoint), bucket, &s3blob.Options{RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	}
	s.create = func(ctx context.Context, bucket string) error {
		_, err := client(endpoint).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		return err
	}
	return s
}

// GCS starts fake-gcs-server in memory.
func GCS(t *testing.T) *Server {
	t.Helper()
	bin := testenv.Tool(t, "fake-gcs-server")
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	start(t, exec.Command(bin, "-scheme", "http", "-host", "127.0.0.1", "-port", strconv.Itoa(port),
		"-backend", "memory", "-public-host", addr, "-external-url", "http://"+addr, "-log-level", "error"),
		"http://"+addr+"/storage/v1/b")
	s := &Server{Scheme: "gs", Endpoint: "http://" + addr, Env: map[string]string{"STORAGE_EMULATOR_HOST": addr}}
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
	mod := testenv.NodeModule(t, "azurite")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipped: node is not installed")
	}
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	start(t, exec.Command(node, filepath.Join(mod, "dist", "src", "blob", "main.js"), "--blobHost", "127.0.0.1",
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

// CreateBucket makes a bucket.
func (s *Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	if err := s.create(context.Background(), bucket); err != nil {
		t.Fatalf("%s: creating bucket %s: %v", s.Scheme, bucket, err)
	}
}

// Put writes an object.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	ctx := context.Background()
	b, err := s.open(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Upload(ctx, key, bytes.NewReader(data), &blob.WriterOptions{ContentType: "application/octet-stream"}); err != nil {
		t.Fatalf("%s: writing %s/%s: %v", s.Scheme, bucket, key, err)
	}
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

// start runs cmd until the test ends and polls ready (any HTTP answer) until
// the server answers, it exits, or the test's deadline nears.
func start(t *testing.T, cmd *exec.Cmd, ready string) {
	t.Helper()
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
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
