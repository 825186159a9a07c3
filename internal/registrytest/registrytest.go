// Package registrytest runs real OCI registries on a free loopback port for
// tests, with their storage in a temporary folder: the CNCF distribution
// registry (no OCI 1.1 referrers API: clients fall back to the referrers
// tag) and olareg (with the referrers API).
package registrytest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/testenv"
)

// Registry is a running registry: its host:port, its storage folder (tests
// tamper with stored blobs there) and whether it serves the referrers API.
type Registry struct {
	Name, Addr, Storage string
	Referrers           bool
}

// Blob is the stored file of a blob of repo, by its hex sha256.
func (r Registry) Blob(repo, hexDigest string) string {
	if r.Name == "olareg" { // an OCI layout per repository
		return filepath.Join(r.Storage, filepath.FromSlash(repo), "blobs", "sha256", hexDigest)
	}
	return filepath.Join(r.Storage, "docker", "registry", "v2", "blobs", "sha256", hexDigest[:2], hexDigest, "data")
}

// Each runs f as a subtest against each registry: distribution (referrers
// tag fallback) and olareg (referrers API).
func Each(t *testing.T, f func(t *testing.T, reg Registry)) {
	t.Run("distribution", func(t *testing.T) { f(t, Start(t)) })
	t.Run("olareg", func(t *testing.T) { f(t, StartOLAReg(t)) })
}

// Start runs the distribution registry with its default configuration
// (deletes off); it is stopped when the test ends.
// The test is skipped when the binary is absent (unless MLGATE_STRICT_TESTS=1).
func Start(t testing.TB) Registry {
	t.Helper()
	bin := testenv.Tool(t, "registry")
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// OpenTelemetry is on by default in distribution v3; keep it quiet and local.
	env := []string{"OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none"}
	run(t, addr, env, bin, "serve", cfg)
	return Registry{Name: "distribution", Addr: addr, Storage: filepath.Join(dir, "data")}
}

// StartOLAReg runs olareg, which serves the OCI 1.1 referrers API, storing
// an OCI layout per repository; garbage collection is off so a test's
// untagged manifests stay.
func StartOLAReg(t testing.TB) Registry {
	t.Helper()
	bin := testenv.Tool(t, "olareg")
	dir := t.TempDir()
	addr := freeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	run(t, addr, nil, bin, "serve", "--addr", host, "--port", port, "--dir", dir,
		"--gc-frequency", "-1s", "--verbosity", "error")
	return Registry{Name: "olareg", Addr: addr, Storage: dir, Referrers: true}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() // the registry binds it next; a race with another process is reported as a start failure
	return l.Addr().String()
}

// run starts a registry and waits until it answers /v2/.
func run(t testing.TB, addr string, env []string, bin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	deadline, ok := t.(interface{ Deadline() (time.Time, bool) })
	var until time.Time
	if ok {
		until, _ = deadline.Deadline()
	}
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited before it was ready: %v\n%s", bin, err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if !until.IsZero() && time.Now().After(until.Add(-5*time.Second)) {
			t.Fatalf("%s at %s never answered /v2/ before the test deadline:\n%s", bin, addr, out.String())
		}
	}
}
