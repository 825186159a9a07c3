// Package registrytest runs the CNCF distribution registry on a free loopback
// port for tests, with its storage in a temporary folder.
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

// Registry is a running registry: its host:port and its storage folder
// (tests tamper with stored blobs there).
type Registry struct{ Addr, Storage string }

// Blob is the stored file of a blob, by its hex sha256.
func (r Registry) Blob(hexDigest string) string {
	return filepath.Join(r.Storage, "docker", "registry", "v2", "blobs", "sha256", hexDigest[:2], hexDigest, "data")
}

// Start runs a registry; it is stopped when the test ends. The test is skipped when the registry binary is absent (unless
// MLGATE_STRICT_TESTS=1).
func Start(t testing.TB) Registry {
	t.Helper()
	bin := testenv.Tool(t, "registry")
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // the registry binds it next; a race with another process is reported as a start failure
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", cfg)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	// OpenTelemetry is on by default in distribution v3; keep it quiet and local.
	cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting registry: %v", err)
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
				return Registry{Addr: addr, Storage: filepath.Join(dir, "data")}
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("registry exited before it was ready: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if !until.IsZero() && time.Now().After(until.Add(-5*time.Second)) {
			t.Fatalf("registry at %s never answered /v2/ before the test deadline:\n%s", addr, out.String())
		}
	}
}
