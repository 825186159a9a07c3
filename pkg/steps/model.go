package steps

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing"
)

// A model's evidence is bound to the model by its subject digest and the
// hashing that computed it; the gate and attest recompute both over the model
// they have and never take a digest on the evidence's word.

// minShardSize bounds the shard size a document may ask a consumer to rehash
// with, so evidence cannot make the gate list billions of shards.
const minShardSize = 1 << 20

// IsDir reports whether the model path is a folder; errors name the path.
func IsDir(path string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("model %s: %w", path, errors.Unwrap(err))
	}
	return st.IsDir(), nil
}

// DefaultBundle is where a model's bundle goes when none is named; verify
// looks in the same place.
func DefaultBundle(path string, dir bool) string {
	if dir {
		return filepath.Join(path, "model.sig")
	}
	return path + ".sigstore.json"
}

// ModelHashing is how the gate and attest hash a model: model-signing's files
// method over every file but .git, a model.sig bundle and extra paths, or, for a
// single file, its sha256.
func ModelHashing(dir bool, extraIgnore ...string) evidence.Hashing {
	if !dir {
		return evidence.Hashing{Method: evidence.HashingBlob}
	}
	ignore, _ := signing.CleanIgnorePaths(append(append(signing.DefaultIgnorePaths(), "model.sig"), extraIgnore...))
	return evidence.Hashing{Method: signing.MethodFiles, IgnorePaths: ignore}
}

// hashingOf records how a manifest was hashed.
func hashingOf(m *signing.Manifest) *evidence.Hashing {
	return &evidence.Hashing{Method: m.Method, ShardSize: m.ShardSize, IgnorePaths: m.IgnorePaths, AllowSymlinks: m.AllowSymlinks}
}

// HashSubject computes a model's subject under a hashing: its name, digest,
// files and the hashing itself, ready for an evidence document.
func HashSubject(ctx context.Context, path string, h evidence.Hashing, workers int) (*evidence.Subject, error) {
	dir, err := IsDir(path)
	if err != nil {
		return nil, err
	}
	if h.Method == evidence.HashingBlob {
		if dir {
			return nil, fmt.Errorf("model %s is a folder, but the digest to compare is of a single file", path)
		}
		sum, size, err := signing.FileDigest(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", path, err)
		}
		digest := map[string]string{"sha256": hex.EncodeToString(sum)}
		name := filepath.Base(filepath.Clean(path))
		return &evidence.Subject{Name: name, Digest: digest, Hashing: &h,
			Files: []evidence.File{{Path: name, Digest: digest, Size: size}}}, nil
	}
	if !dir {
		return nil, fmt.Errorf("model %s is a single file, but the digest to compare is of a folder (%s method)", path, h.Method)
	}
	if h.Method == signing.MethodShards && h.ShardSize < minShardSize {
		return nil, fmt.Errorf("shard size %d is below %d bytes: refusing to rehash %s with it", h.ShardSize, minShardSize, path)
	}
	m, err := signing.HashModel(ctx, path, signing.HashOptions{
		Method: h.Method, ShardSize: h.ShardSize, IgnorePaths: h.IgnorePaths, AllowSymlinks: h.AllowSymlinks, Workers: workers,
	})
	if err != nil {
		return nil, err
	}
	return &evidence.Subject{Name: m.Name, Digest: map[string]string{"sha256": hex.EncodeToString(m.RootDigest())},
		Files: ManifestFiles(m), Hashing: hashingOf(m)}, nil
}

// ManifestFiles lists a manifest's files for the evidence subject, with their
// digests when each file has one (the files method).
func ManifestFiles(m *signing.Manifest) []evidence.File {
	var files []evidence.File
	index := map[string]int{}
	for _, r := range m.Resources {
		i, ok := index[r.Path]
		if !ok {
			i = len(files)
			index[r.Path] = i
			files = append(files, evidence.File{Path: r.Path})
		}
		files[i].Size += r.Size
		if m.Method == signing.MethodFiles {
			files[i].Digest = map[string]string{"sha256": hex.EncodeToString(r.Digest)}
		}
	}
	return files
}

// missingFiles lists the paths in have that are not in covered.
func missingFiles(have, covered []evidence.File) []string {
	in := map[string]bool{}
	for _, f := range covered {
		in[f.Path] = true
	}
	var out []string
	for _, f := range have {
		if !in[f.Path] {
			out = append(out, f.Path)
		}
	}
	return out
}

// FileDiff says how a document's file list differs from the computed one
// (by path, and by digest where both have one), or "" when they agree.
func FileDiff(listed, computed []evidence.File) string {
	byPath := map[string]evidence.File{}
	for _, f := range computed {
		byPath[f.Path] = f
	}
	var problems []string
	seen := map[string]bool{}
	for _, f := range listed {
		seen[f.Path] = true
		g, ok := byPath[f.Path]
		switch {
		case !ok:
			problems = append(problems, f.Path+" is not in the candidate")
		case f.Digest["sha256"] != "" && g.Digest["sha256"] != "" && f.Digest["sha256"] != g.Digest["sha256"]:
			problems = append(problems, f.Path+" has another digest")
		}
	}
	for _, f := range computed {
		if !seen[f.Path] {
			problems = append(problems, f.Path+" is not listed")
		}
	}
	slices.Sort(problems)
	if len(problems) > 5 {
		problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
	}
	return strings.Join(problems, "; ")
}

func totalBytes(m *signing.Manifest) int64 {
	var n int64
	for _, r := range m.Resources {
		n += r.Size
	}
	return n
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
