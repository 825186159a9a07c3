package workflowtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/mlgate/mlgate/internal/sigstoretest"
	"github.com/mlgate/mlgate/internal/testenv"
)

// These tests run actions/setup/install.sh with bash for real. The only
// simulated parts are the HTTP file server standing in for GitHub's release
// download host and the Sigstore stand-ins (internal/sigstoretest) that the
// release's checksums.txt is signed keyless against; the release itself is
// built by scripts/dist.sh and signed by mlgate, as release.yml does.

const setupVersion = "v1.2.3"

// releaseWorkflow is the run of release.yml on the tag setupVersion, the only
// signer install.sh accepts for that release.
var releaseWorkflow = sigstoretest.Workflow{Repository: "mlgate/mlgate", Path: ".github/workflows/release.yml",
	Ref: "refs/tags/" + setupVersion, SHA: sigstoretest.SHA, Trigger: "push"}

// release is a release of mlgate for this host, as release.yml publishes it.
type release struct {
	files  map[string][]byte // asset name -> bytes, as served under BASE/VERSION/
	asset  string            // the archive for this host
	mlgate string            // an mlgate built for this host, to sign with
	root   string            // trusted_root.json of the Sigstore that signed checksums.txt
}

// buildRelease is the release of this checkout for this host (sharedDist),
// its checksums.txt signed keyless as the release workflow would.
func buildRelease(t *testing.T) release {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("scripts/dist.sh and install.sh are tested on Linux and macOS hosts")
	}
	dist, err := sharedDist(testenv.RepoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	r := release{files: map[string][]byte{}, asset: distAsset, mlgate: mlgateBinary(t)}
	for name, data := range dist {
		r.files[name] = data
	}
	r.sign(t, releaseWorkflow)
	return r
}

// distAsset is the release archive for this host.
var distAsset = fmt.Sprintf("mlgate_%s_%s.tar.gz", runtime.GOOS, runtime.GOARCH)

var distOnce struct {
	sync.Once
	files map[string][]byte
	err   error
}

// sharedDist runs scripts/dist.sh for this host in a snapshot of root, once
// for the package (each run builds mlgate; the builds are reproducible, so
// every run gives these bytes): the archive and checksums.txt, by name.
func sharedDist(root string) (map[string][]byte, error) {
	distOnce.Do(func() { distOnce.files, distOnce.err = buildDist(root) })
	return distOnce.files, distOnce.err
}

func buildDist(root string) (map[string][]byte, error) {
	repo, err := sharedTemp("workflowtest-dist-")
	if err != nil {
		return nil, err
	}
	if err := snapshotTo(root, repo); err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", "scripts/dist.sh", setupVersion, runtime.GOOS+"/"+runtime.GOARCH)
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("scripts/dist.sh: %v\n%s", err, out)
	}
	files := map[string][]byte{}
	for _, name := range []string{distAsset, "checksums.txt"} {
		data, err := os.ReadFile(filepath.Join(repo, "dist", name))
		if err != nil {
			return nil, err
		}
		files[name] = data
	}
	return files, nil
}

// sign signs the release's checksums.txt keyless as a run of w, replacing
// its bundle and trusted root.
func (r *release) sign(t *testing.T, w sigstoretest.Workflow) {
	t.Helper()
	s := sigstoretest.NewFor(t, w)
	dir := t.TempDir()
	sums, bundle := filepath.Join(dir, "checksums.txt"), filepath.Join(dir, "checksums.txt.sigstore.json")
	if err := os.WriteFile(sums, r.files["checksums.txt"], 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(r.mlgate, "sign", "--keyless", "--fulcio-url", s.FulcioURL, "--rekor-url", s.RekorURL,
		"--bundle", bundle, sums)
	cmd.Env = append(os.Environ(), "ACTIONS_ID_TOKEN_REQUEST_URL="+s.OIDCRequestURL,
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN="+sigstoretest.RequestToken)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mlgate sign --keyless: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	r.files["checksums.txt.sigstore.json"] = data
	r.root = s.TrustedRootPath
}

// copy returns a release whose files can be changed without touching r.
func (r release) copy() release {
	files := map[string][]byte{}
	for k, v := range r.files {
		files[k] = v
	}
	r.files = files
	return r
}

// server stands in for GitHub's release download host: it serves the
// release's files as BASE/VERSION/NAME and counts the requests.
type server struct {
	URL   string
	mu    sync.Mutex
	count int
}

func serve(t *testing.T, r release) *server {
	t.Helper()
	s := &server{}
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		s.count++
		s.mu.Unlock()
		name, ok := strings.CutPrefix(req.URL.Path, "/"+setupVersion+"/")
		data, found := r.files[name]
		if !ok || !found {
			http.NotFound(w, req)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(h.Close)
	s.URL = h.URL
	return s
}

func (s *server) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// setupAction lays out actions/setup as a release of the action has it:
// install.sh beside a checksums.txt pinning the asset with pin, "ARCHIVE_SHA256
// BINARY_SHA256" (no pin if empty), and no Go source to fall back on.
func setupAction(t *testing.T, asset, sha string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "actions", "setup")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "actions", "setup", "install.sh"))
	if err != nil {
		t.Fatal(err)
	}
	pins := "# pinned for the test\ndefault-version: " + setupVersion + "\n"
	if sha != "" {
		pins += setupVersion + " " + asset + " " + sha + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "install.sh"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(pins), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// install is one run of install.sh.
type install struct {
	code    int
	log     string
	outputs map[string]string
	path    string // what it appended to GITHUB_PATH
}

// runInstall runs dir/install.sh with bash as a composite step would, with
// env on top of a runner-like environment and the tool cache in cache.
func runInstall(t *testing.T, dir, cache string, env ...string) install {
	t.Helper()
	files := t.TempDir()
	out, ghPath := filepath.Join(files, "output"), filepath.Join(files, "path")
	cmd := exec.Command("bash", filepath.Join(dir, "install.sh"))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MLGATE_") && !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "RUNNER_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GITHUB_ACTIONS=true", "GITHUB_OUTPUT="+out, "GITHUB_PATH="+ghPath, "MLGATE_CACHE_DIR="+cache)
	cmd.Env = append(cmd.Env, env...)
	log, err := cmd.CombinedOutput()
	r := install{log: string(log), outputs: map[string]string{}}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	// name<<DELIM, value lines, DELIM: as the runner reads GITHUB_OUTPUT.
	var lines []string // a refused install writes no outputs
	if text := strings.TrimSpace(string(data)); text != "" {
		lines = strings.Split(text, "\n")
	}
	for i := 0; i < len(lines); i++ {
		k, delim, ok := strings.Cut(lines[i], "<<")
		if !ok || !strings.HasPrefix(delim, "ghadelimiter_") || len(delim) < len("ghadelimiter_")+32 {
			t.Fatalf("GITHUB_OUTPUT line %q is not a heredoc with a random delimiter", lines[i])
		}
		var v []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			v = append(v, lines[i])
		}
		r.outputs[k] = strings.Join(v, "\n")
	}
	data, _ = os.ReadFile(ghPath)
	r.path = strings.TrimSpace(string(data))
	return r
}

// tarGz is a gzipped tar holding one file.
func tarGz(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(content))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pinFor is the checksums.txt pin of the release's asset: the archive's
// SHA-256 and the SHA-256 of the mlgate binary inside it.
func pinFor(t *testing.T, r release) string {
	return sha256Hex(r.files[r.asset]) + " " + binarySHA(t, r.files[r.asset])
}

func binarySHA(t *testing.T, tgz []byte) string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no mlgate in the archive: %v", err)
		}
		if h.Name == "mlgate" {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return sha256Hex(data)
		}
	}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestSetupInstallsPinnedRelease: the pinned release asset is downloaded,
// checked, verified against its signed checksums.txt and cached; a second run
// takes the cached binary without downloading anything.
func TestSetupInstallsPinnedRelease(t *testing.T) {
	t.Parallel()
	rel := buildRelease(t)
	srv := serve(t, rel)
	dir := setupAction(t, rel.asset, pinFor(t, rel))
	cache := t.TempDir()
	env := []string{"MLGATE_VERSION=" + setupVersion, "MLGATE_DOWNLOAD_URL=" + srv.URL, "MLGATE_TRUSTED_ROOT=" + rel.root}

	r := runInstall(t, dir, cache, env...)
	if r.code != 0 || r.outputs["source"] != "release" {
		t.Fatalf("install.sh exit %d, outputs %v, want source=release:\n%s", r.code, r.outputs, r.log)
	}
	want := filepath.Join(cache, setupVersion, runtime.GOOS+"-"+runtime.GOARCH, "mlgate")
	if r.outputs["path"] != want || r.path != filepath.Dir(want) || r.outputs["version"] != setupVersion {
		t.Errorf("outputs %v, GITHUB_PATH %q, want the binary at %s in the tool cache", r.outputs, r.path, want)
	}
	if len(r.outputs) != 3 {
		t.Errorf("outputs %v, want only path, version and source", r.outputs)
	}
	out, err := exec.Command(want, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "mlgate "+setupVersion+" ") {
		t.Errorf("%s version: %v, %q", want, err, out)
	}

	downloads := srv.requests()
	r = runInstall(t, dir, cache, env...)
	if r.code != 0 || r.outputs["source"] != "cache" || r.outputs["path"] != want {
		t.Fatalf("second run: exit %d, outputs %v, want source=cache at %s:\n%s", r.code, r.outputs, want, r.log)
	}
	if n := srv.requests(); n != downloads {
		t.Errorf("the second run made %d requests, want none", n-downloads)
	}
}

// TestSetupRefusesUntrustedRelease: each way a release can fail to be the one
// pinned and signed is refused with an error annotation and exit 2, and
// nothing is installed.
func TestSetupRefusesUntrustedRelease(t *testing.T) {
	t.Parallel()
	rel := buildRelease(t)
	pin := sha256Hex(rel.files[rel.asset])
	other := releaseWorkflow
	other.Path = ".github/workflows/ci.yml"
	cases := []struct {
		name   string
		change func(r *release) string // returns the pin
		want   []string                // regular expressions the log matches
	}{
		{"asset differs from the pin", func(r *release) string {
			return sha256Hex([]byte("another build"))
		}, []string{`::error::.* but this action pins`}},
		{"asset without mlgate", func(r *release) string {
			r.files[r.asset] = tarGz(t, "README.md", "no binary here\n")
			return sha256Hex(r.files[r.asset])
		}, []string{`::error::.*cannot extract mlgate from ` + regexp.QuoteMeta(rel.asset)}},
		{"signed by another workflow", func(r *release) string {
			r.sign(t, other)
			return pin
		}, []string{`::error::.*could not be verified as signed by ` + regexp.QuoteMeta(releaseWorkflow.Identity()),
			`got "` + regexp.QuoteMeta(other.Identity()) + `"`}},
		{"checksums.txt does not list the asset", func(r *release) string {
			r.files["checksums.txt"] = []byte(pin + "  mlgate_plan9_amd64.tar.gz\n")
			r.sign(t, releaseWorkflow)
			return pin
		}, []string{`::error::.* is not in the signed checksums.txt`}},
		{"bundle missing", func(r *release) string {
			delete(r.files, "checksums.txt.sigstore.json")
			return pin
		}, []string{`::error::.*cannot download http\S*/checksums\.txt\.sigstore\.json\n`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rel.copy()
			dir := setupAction(t, r.asset, c.change(&r)+" "+binarySHA(t, rel.files[rel.asset]))
			cache := t.TempDir()
			got := runInstall(t, dir, cache, "MLGATE_VERSION="+setupVersion, "MLGATE_DOWNLOAD_URL="+serve(t, r).URL,
				"MLGATE_TRUSTED_ROOT="+r.root)
			if got.code != 2 || !strings.Contains(got.log, "::error::mlgate setup: ") {
				t.Errorf("exit %d, want 2 and an ::error:: annotation:\n%s", got.code, got.log)
			}
			for _, w := range c.want {
				if !regexp.MustCompile(w).MatchString(got.log) {
					t.Errorf("the log does not say %q:\n%s", w, got.log)
				}
			}
			if len(got.outputs) != 0 || got.path != "" {
				t.Errorf("outputs %v, GITHUB_PATH %q after a refusal", got.outputs, got.path)
			}
			filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					t.Errorf("%s was left in the tool cache", p)
				}
				return nil
			})
		})
	}
}

// TestSetupUsesPath: with use-path, an mlgate already on PATH is taken as is.
func TestSetupUsesPath(t *testing.T) {
	bin := filepath.Dir(mlgateBinary(t))
	dir := setupAction(t, "", "")
	r := runInstall(t, dir, t.TempDir(), "MLGATE_USE_PATH=true", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if r.code != 0 || r.outputs["source"] != "path" || r.outputs["path"] != filepath.Join(bin, "mlgate") {
		t.Fatalf("exit %d, outputs %v, want source=path at %s:\n%s", r.code, r.outputs, bin, r.log)
	}
}

// TestSetupBuildsFromSourceWhenNotPinned: a version the action pins no
// release of is built from the action's own source, with a warning.
func TestSetupBuildsFromSourceWhenNotPinned(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testenv.RepoRoot(t), "actions", "setup")
	cache := t.TempDir()
	r := runInstall(t, dir, cache, "MLGATE_VERSION=v0.0.0-not-pinned")
	if r.code != 0 || r.outputs["source"] != "source" {
		t.Fatalf("exit %d, outputs %v, want source=source:\n%s", r.code, r.outputs, r.log)
	}
	if !strings.Contains(r.log, "::warning::") || !strings.Contains(r.log, "v0.0.0-not-pinned") {
		t.Errorf("no warning naming the unpinned version:\n%s", r.log)
	}
	if out, err := exec.Command(r.outputs["path"], "version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "mlgate ") {
		t.Errorf("%s version: %v, %q", r.outputs["path"], err, out)
	}
}

// TestSetupNeverRunsAPlantedCache: on a self-hosted runner one job can write
// the tool cache that later jobs use. A binary or a symlink planted where the
// pinned version's binary goes is never run: it is reinstalled over.
func TestSetupNeverRunsAPlantedCache(t *testing.T) {
	t.Parallel()
	rel := buildRelease(t)
	srv := serve(t, rel)
	dir := setupAction(t, rel.asset, pinFor(t, rel))
	env := []string{"MLGATE_VERSION=" + setupVersion, "MLGATE_DOWNLOAD_URL=" + srv.URL, "MLGATE_TRUSTED_ROOT=" + rel.root}
	for _, how := range []string{"file", "symlink"} {
		t.Run(how, func(t *testing.T) {
			cache := t.TempDir()
			marker := filepath.Join(t.TempDir(), "ran")
			planted := filepath.Join(t.TempDir(), "evil")
			script := "#!/bin/sh\ntouch " + marker + "\necho mlgate " + setupVersion + " planted\n"
			if err := os.WriteFile(planted, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(cache, setupVersion, runtime.GOOS+"-"+runtime.GOARCH, "mlgate")
			os.MkdirAll(filepath.Dir(bin), 0o755)
			if how == "file" {
				os.WriteFile(bin, []byte(script), 0o755)
			} else if err := os.Symlink(planted, bin); err != nil {
				t.Fatal(err)
			}
			r := runInstall(t, dir, cache, env...)
			if r.code != 0 || r.outputs["source"] != "release" || r.outputs["path"] != bin {
				t.Fatalf("exit %d, outputs %v, want a fresh install at %s:\n%s", r.code, r.outputs, bin, r.log)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the planted binary ran")
			}
			if st, err := os.Lstat(bin); err != nil || !st.Mode().IsRegular() || binarySHA(t, rel.files[rel.asset]) != fileSHA(t, bin) {
				t.Fatalf("%s is not the pinned binary: %v", bin, err)
			}
			if data, _ := os.ReadFile(planted); string(data) != script {
				t.Fatal("the symlink's target was written through")
			}
		})
	}
}

func fileSHA(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(data)
}

// TestSetupRefusesBadVersions: the version names a cache folder and a
// download path, so only vX.Y.Z[-pre] and source pass.
func TestSetupRefusesBadVersions(t *testing.T) {
	dir := setupAction(t, "", "")
	for _, v := range []string{"../../x", "v1.2.3/../..", "1.2.3", "v1.2", "v1.2.3 ", "latest", "v1.2.3-a/b"} {
		r := runInstall(t, dir, t.TempDir(), "MLGATE_VERSION="+v)
		if r.code != 2 || !strings.Contains(r.log, "::error::mlgate setup: version must be") {
			t.Errorf("version %q: exit %d\n%s", v, r.code, r.log)
		}
	}
}
