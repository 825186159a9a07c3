package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/table"
)

// tableRefs records a table version in a lineage: one reference for the
// version itself (annotated with its format and version or snapshot id,
// its digest the sha256 of TableDigestLines over its live files), then
// each live file by sha256. "This model was validated on snapshot S" is
// then signed, and a verifier can recompute the version's digest from the
// files.
func tableRefs(ctx context.Context, path string, opts table.Options) ([]signing.Ref, error) {
	s, err := table.Open(path, opts)
	if err != nil {
		return nil, fmt.Errorf("lineage input %s: %w", path, err)
	}
	refs := []signing.Ref{{}}
	digests := map[string]string{}
	for _, f := range s.Files {
		ref, err := fileRef(ctx, f.Path)
		if err != nil {
			return nil, fmt.Errorf("lineage input %s: %w", path, err)
		}
		rel, err := filepath.Rel(tableRoot(s), f.Path)
		if err != nil {
			return nil, err
		}
		digests[filepath.ToSlash(rel)] = ref.Digest["sha256"]
		refs = append(refs, signing.Ref{URI: filepath.ToSlash(f.Path), Digest: ref.Digest})
	}
	sum := sha256.Sum256([]byte(TableDigestLines(digests)))
	refs[0] = signing.Ref{
		URI:    fmt.Sprintf("%s@%d", filepath.ToSlash(path), s.Version),
		Name:   fmt.Sprintf("%s table %s at %s %d", s.Format, filepath.Base(path), versionWord(s.Format), s.Version),
		Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])},
		Annotations: map[string]any{"tableFormat": s.Format, "tableVersion": s.Version, "tableLocation": filepath.ToSlash(s.Location),
			"liveFiles": len(s.Files)},
	}
	return refs, nil
}

// TableDigestLines is what a table version's lineage digest is taken
// over: one "sha256  path" line per live file (as sha256sum prints them),
// paths relative to the table folder, sorted.
func TableDigestLines(digests map[string]string) string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(digests)) {
		b.WriteString(digests[p] + "  " + p + "\n")
	}
	return b.String()
}

// tableRoot is the table folder (an Iceberg location may be its metadata
// file).
func tableRoot(s *table.Snapshot) string {
	if s.Format == table.FormatIceberg && filepath.Ext(s.Location) == ".json" {
		return filepath.Dir(filepath.Dir(s.Location))
	}
	return s.Location
}

func versionWord(format string) string {
	if format == table.FormatIceberg {
		return "snapshot"
	}
	return "version"
}
