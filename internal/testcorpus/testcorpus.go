// Package testcorpus lists the files of the shared apache/parquet-testing
// corpus (../shared/corpora/parquet-testing) for tests that must cover every
// one of them.
package testcorpus

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// ParquetTesting returns the corpus root and every .parquet file under its
// data/ and bad_data/ folders, as sorted slash-separated paths relative to
// the root. It fails the test when the corpus holds none.
func ParquetTesting(t testing.TB) (root string, files []string) {
	t.Helper()
	root = testenv.Shared(t, "corpora", "parquet-testing")
	for _, dir := range []string{"data", "bad_data"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				rel, _ := filepath.Rel(root, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no Parquet files in %s", root)
	}
	return root, files
}
