package steps

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/profile"
)

func TestParseShard(t *testing.T) {
	if s, err := ParseShard(""); s != nil || err != nil {
		t.Fatalf(`"": %v %v, want the whole dataset`, s, err)
	}
	if s, err := ParseShard("2/4"); err != nil || *s != (profile.Shard{Index: 2, Count: 4}) {
		t.Fatalf("2/4: %v %v", s, err)
	}
	for _, bad := range []string{"4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"} {
		if _, err := ParseShard(bad); err == nil || !strings.Contains(err.Error(), "0 <= I < N") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// A file on both sides (an unquoted reference glob the shell expanded) is
// refused before anything is read, through a symlink too.
func TestDriftRefusesAFileOnBothSides(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.parquet")
	os.WriteFile(a, []byte("not read"), 0o644)
	link := filepath.Join(dir, "link.parquet")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	_, err := Drift(context.Background(), DriftRequest{Reference: []string{a}, Current: []string{link}})
	if err == nil || !strings.Contains(err.Error(), "both as reference") || !strings.Contains(err.Error(), "quote a reference glob") {
		t.Fatalf("error %v", err)
	}
}
