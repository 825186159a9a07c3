package outfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPlan writes two outputs at fuzzed paths in a folder holding an input
// file, a hard link to it, a symlink to its folder and an input model folder:
// whatever the paths, a plan that passes Check never changes an input, never
// adds a file to the model and never replaces the symlink.
func FuzzPlan(f *testing.F) {
	for _, seed := range [][2]string{
		{"out.json", "-"}, {"in/a.parquet", "x"}, {"alias/a.parquet", ""}, {"hard", "y"},
		{"model/new.json", ""}, {"in/../in/a.parquet", ""}, {"alias", ""}, {"x", "./x"},
		{"model", ""}, {"alias/new/b", "in/new/b"}, {"-", "-"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		dir := t.TempDir()
		var paths []string
		for _, s := range []string{a, b} {
			if s == "" || s == Stdout {
				paths = append(paths, s)
				continue
			}
			p := filepath.Join(dir, s)
			if filepath.IsAbs(s) || strings.ContainsRune(s, 0) || !strings.HasPrefix(p, dir+string(filepath.Separator)) {
				t.Skip("outside the test folder")
			}
			paths = append(paths, p)
		}
		in := write(t, filepath.Join(dir, "in", "a.parquet"), "DATA")
		weights := write(t, filepath.Join(dir, "model", "w.bin"), "W")
		if err := os.Link(in, filepath.Join(dir, "hard")); err != nil {
			t.Fatal(err)
		}
		alias := filepath.Join(dir, "alias")
		if err := os.Symlink(filepath.Join(dir, "in"), alias); err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		p := NewPlan(&stdout)
		p.Input("data", in)
		p.Input("model", filepath.Join(dir, "model"))
		outs := []*Output{p.Output("--out", paths[0]), p.Output("--evidence", paths[1])}
		if p.Check() != nil {
			return
		}
		for _, o := range outs {
			if o.Set() {
				_ = o.Write([]byte("OUTPUT"))
			}
		}
		if content(t, in) != "DATA" || content(t, weights) != "W" {
			t.Fatalf("an input changed writing %q and %q", a, b)
		}
		if entries, _ := os.ReadDir(filepath.Join(dir, "model")); len(entries) != 1 {
			t.Fatalf("a file was added to the model writing %q and %q", a, b)
		}
		if st, err := os.Lstat(alias); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the symlink was replaced writing %q and %q", a, b)
		}
	})
}
