package signing

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// upstreamModels builds the model trees of model_signing's test fixtures
// (tests/conftest.py and tests/_serialization/*_test.py upstream), each under
// the folder name its golden records as the subject name.
var upstreamModels = map[string]struct {
	name  string
	build func(t *testing.T, root string)
}{
	"sample_model_file": {"file_model", func(t *testing.T, p string) { writeFile(t, p, "This is a simple model") }},
	"empty_model_file":  {"empty_file_model", func(t *testing.T, p string) { writeFile(t, p, "") }},
	"sample_model_folder": {"sample_model", func(t *testing.T, p string) {
		for i := range 2 {
			for j := range 3 {
				writeFile(t, filepath.Join(p, fmt.Sprintf("d%d", i), fmt.Sprintf("f%d%d", i, j)), fmt.Sprintf("This is file f%d%d in d%d.", i, j, i))
			}
		}
		for i := range 4 {
			writeFile(t, filepath.Join(p, fmt.Sprintf("f%d", i)), fmt.Sprintf("This is file f%d in root.", i))
		}
	}},
	"empty_model_folder":           {"empty_folder_model", func(t *testing.T, p string) { mkdir(t, p) }},
	"model_folder_with_empty_file": {"empty_file_inside_model", func(t *testing.T, p string) { writeFile(t, filepath.Join(p, "empty_file"), "") }},
	"deep_model_folder": {"deep_model", func(t *testing.T, p string) {
		for i := range 4 {
			writeFile(t, filepath.Join(p, "d0", "d1", "d2", "d3", "d4", fmt.Sprintf("f%d", i)), fmt.Sprintf("This is file f%d.", i))
		}
	}},
	"symlink_model_folder": {"symlink_model", func(t *testing.T, p string) {
		ext := filepath.Join(t.TempDir(), "file")
		writeFile(t, ext, "This is a simple model")
		mkdir(t, p)
		if err := os.Symlink(ext, filepath.Join(p, "symlink_file")); err != nil {
			t.Fatal(err)
		}
	}},
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(p))
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

// goldenVariants are the suffixes of the upstream payload goldens and the
// hashing each stands for.
var goldenVariants = map[string]HashOptions{
	"":              {Method: MethodFiles},
	"_shard":        {Method: MethodShards, ShardSize: DefaultShardSize},
	"_small_shards": {Method: MethodShards, ShardSize: 8},
}

// TestSignReproducesUpstreamPayloads hashes every upstream test model and
// checks the statement against model_signing's golden payload: same subject
// name and digest, same serialization, same resources in the same order.
func TestSignReproducesUpstreamPayloads(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "sigstore", "model-transparency", "tests", "_signing", "testdata", "signing", "TestPayload")
	checked := 0
	for fixture, model := range upstreamModels {
		root := filepath.Join(t.TempDir(), model.name)
		model.build(t, root)
		for suffix, opts := range goldenVariants {
			golden := filepath.Join(dir, fixture+suffix)
			want, err := os.ReadFile(golden)
			if os.IsNotExist(err) {
				continue
			}
			t.Run(fixture+suffix, func(t *testing.T) {
				opts.AllowSymlinks = true // the goldens were made with allow_symlinks=True
				m, err := HashModel(context.Background(), root, opts)
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Statement()
				if err != nil {
					t.Fatal(err)
				}
				if g, w := canonicalStatement(t, got), canonicalStatement(t, want); g != w {
					t.Errorf("statement differs from %s\n got: %s\nwant: %s", golden, g, w)
				}
			})
			checked++
		}
	}
	if checked != 21 {
		t.Errorf("checked %d upstream payload goldens, want all 21", checked)
	}
}

// canonicalStatement re-encodes a statement with sorted keys and integral
// numbers as integers, so that key order and 8 vs 8.0 do not matter (the
// upstream goldens come from protobuf Struct, whose key order is not stable).
func canonicalStatement(t *testing.T, data []byte) string {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var norm func(any) any
	norm = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = norm(e)
			}
		case []any:
			for i, e := range x {
				x[i] = norm(e)
			}
		case json.Number:
			return strings.TrimSuffix(x.String(), ".0")
		}
		return v
	}
	out, err := json.Marshal(norm(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestHashReproducesUpstreamSerializations checks the per-file and per-shard
// digests against model_signing's serializer goldens (lines name:digest).
func TestHashReproducesUpstreamSerializations(t *testing.T) {
	base := testenv.Shared(t, "corpora", "sigstore", "model-transparency", "tests", "_serialization", "testdata")
	variants := map[string]map[string]HashOptions{
		"file":       {"": {Method: MethodFiles}},
		"file_shard": {"": {Method: MethodShards, ShardSize: DefaultShardSize}, "_small_shards": {Method: MethodShards, ShardSize: 8}},
	}
	checked := 0
	for kind, byName := range variants {
		for fixture, model := range upstreamModels {
			root := filepath.Join(t.TempDir(), model.name)
			model.build(t, root)
			for suffix, opts := range byName {
				golden := filepath.Join(base, kind, "TestSerializer", fixture+suffix)
				if _, err := os.Stat(golden); err != nil {
					continue
				}
				checked++
				opts.AllowSymlinks = true
				m, err := HashModel(context.Background(), root, opts)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range m.Resources {
					got = append(got, r.Name+":"+hex.EncodeToString(r.Digest))
				}
				if g, w := strings.Join(got, "\n"), readLines(t, golden); g != w {
					t.Errorf("%s/%s: digests differ\n got:\n%s\nwant:\n%s", kind, fixture+suffix, g, w)
				}
			}
		}
	}
	if checked != 21 {
		t.Errorf("checked %d serializer goldens, want all 21", checked)
	}
}

func readLines(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func TestSymlinksRefusedUnlessAllowed(t *testing.T) {
	root := filepath.Join(t.TempDir(), "symlink_model")
	upstreamModels["symlink_model_folder"].build(t, root)
	_, err := HashModel(context.Background(), root, HashOptions{})
	if err == nil || !strings.Contains(err.Error(), "symlink_file is a symlink") {
		t.Fatalf("want the symlink refused by name, got %v", err)
	}
}

func TestIgnorePathsSkipAndRecord(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "w.bin"), "weights")
	writeFile(t, filepath.Join(root, ".git", "HEAD"), "ref")
	writeFile(t, filepath.Join(root, "cache", "x"), "x")
	writeFile(t, filepath.Join(root, "cachex"), "kept: only components match")
	m, err := HashModel(context.Background(), root, HashOptions{IgnorePaths: []string{".git/", "cache", "./model.sig"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range m.Resources {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, ","); got != "cachex,w.bin" {
		t.Errorf("resources %s, want cachex,w.bin", got)
	}
	if got := strings.Join(m.IgnorePaths, ","); got != ".git,cache,model.sig" {
		t.Errorf("recorded ignore paths %s", got)
	}
	if _, err := HashModel(context.Background(), root, HashOptions{IgnorePaths: []string{"../outside"}}); err == nil {
		t.Error("an ignore path outside the model was accepted")
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
