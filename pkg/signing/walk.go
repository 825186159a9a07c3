package signing

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// modelFile is one regular file of a model, found by walking it.
type modelFile struct {
	// Name is the POSIX path relative to the model root, "." for a single-file model.
	Name string
	// Path is where to read it (a symlink's target when symlinks are allowed).
	Path string
	Size int64
}

// CleanIgnorePaths turns ignore entries (model-relative, either separator) into
// sorted, de-duplicated POSIX paths, and refuses entries that leave the model.
func CleanIgnorePaths(entries []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		p := path.Clean(filepath.ToSlash(e))
		if p == "." || p == "" {
			continue
		}
		if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("ignore path %q is outside the model", e)
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// InsideIgnorePaths keeps the signed ignore entries that lie inside the model.
// model_signing joins each entry to the model folder and ignores the files
// under the result, so an entry outside the model ("../..", "/etc") ignores
// nothing; it is dropped here too rather than failing the verification.
func InsideIgnorePaths(entries []string) []string {
	var out []string
	for _, e := range entries {
		if clean, err := CleanIgnorePaths([]string{e}); err == nil {
			out = append(out, clean...)
		}
	}
	return out
}

// ignored reports whether the model-relative name is, or lies under, an ignored path.
func ignored(name string, ignore []string) bool {
	for _, p := range ignore {
		if name == p || strings.HasPrefix(name, p+"/") {
			return true
		}
	}
	return false
}

// walkModel lists the files of a model: the file itself for a single-file
// model, or every regular file under the folder that is not ignored. Symlinks
// are refused unless allowed; other special files are always refused.
func walkModel(root string, ignore []string, allowSymlinks bool) ([]modelFile, error) {
	st, err := os.Lstat(root)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", root, err)
	}
	if !st.IsDir() {
		f, err := regularFile(root, ".", st, allowSymlinks)
		if err != nil {
			return nil, err
		}
		return []modelFile{f}, nil
	}
	var files []modelFile
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("model %s: %w", root, err)
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if ignored(name, ignore) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("model file %s: %w", p, err)
		}
		f, err := regularFile(p, name, info, allowSymlinks)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// regularFile checks one walked entry and resolves it to a file to read.
func regularFile(p, name string, info fs.FileInfo, allowSymlinks bool) (modelFile, error) {
	if info.Mode()&fs.ModeSymlink != 0 {
		if !allowSymlinks {
			return modelFile{}, fmt.Errorf("model file %s is a symlink: refused unless symlinks are allowed", p)
		}
		target, err := os.Stat(p)
		if err != nil {
			return modelFile{}, fmt.Errorf("model file %s: broken symlink: %w", p, err)
		}
		if !target.Mode().IsRegular() {
			return modelFile{}, fmt.Errorf("model file %s is a symlink to something that is not a regular file", p)
		}
		return modelFile{Name: name, Path: p, Size: target.Size()}, nil
	}
	if !info.Mode().IsRegular() {
		return modelFile{}, fmt.Errorf("model file %s is not a regular file (%s)", p, info.Mode().Type())
	}
	return modelFile{Name: name, Path: p, Size: info.Size()}, nil
}
