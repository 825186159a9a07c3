package table

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlgate/mlgate/pkg/objstore"
)

// Remote tables (s3://, gs://, az://): the table folder's log or metadata
// objects are listed and copied through the store (the client and
// credentials that read the data), bounded, into a private temporary
// folder, read there by the local readers, and the live files are named
// by URL under the table. The whole _delta_log (and its _sidecars) or
// metadata/ folder is copied: a long log without checkpoints costs its
// size, up to maxRemoteMetadata. The files deletes need (Delta deletion
// vector files, Iceberg delete files and Puffin files, data files matched
// against equality deletes) are not copied: they are read in place
// through the same store, by ranges, as bounded as locally (a vector at
// most maxDV bytes, a delete file at most maxDeleteRows rows). The
// snapshot keeps the context the table was opened with for those reads.

// maxRemoteMetadata bounds the bytes copied from a remote table's log or
// metadata folder.
const maxRemoteMetadata = 512 << 20

// ErrNotTable says a URL holds neither a _delta_log nor a metadata folder.
var ErrNotTable = errors.New("not a Delta or Iceberg table")

// OpenRemote reads the table whose folder is at url, at the chosen version.
func OpenRemote(ctx context.Context, store *objstore.Store, url string, opts Options) (*Snapshot, error) {
	url = strings.TrimSuffix(url, "/")
	tmp, err := os.MkdirTemp("", "mlgate-table-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var copied int64
	found := false
	for _, sub := range []string{"_delta_log", "_delta_log/_sidecars", "metadata"} {
		keys, err := store.Expand(ctx, url+"/"+sub+"/*")
		if err != nil {
			continue // no such folder (or one not listable: the data read says why)
		}
		if sub != "_delta_log/_sidecars" {
			found = true
		}
		for _, k := range keys {
			rel := strings.TrimPrefix(k, url+"/")
			dst, err := within(tmp, rel)
			if err != nil || rel == k {
				return nil, fmt.Errorf("%s: listed object %s is outside the table", url, k)
			}
			n, err := copyObject(ctx, store, k, dst, maxRemoteMetadata-copied)
			if err != nil {
				return nil, err
			}
			copied += n
		}
		if sub == "_delta_log" && found {
			// A Delta table: its metadata/ folder, if any, is not Iceberg's.
			if keys, err := store.Expand(ctx, url+"/metadata/*"); err == nil && len(keys) > 0 {
				return nil, fmt.Errorf("%s: holds both a _delta_log and an Iceberg metadata folder", url)
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: %w (no _delta_log/ nor metadata/ objects)", url, ErrNotTable)
	}
	s, err := Open(tmp, opts)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), tmp, url))
	}
	toURL := func(p string) (string, error) {
		rel, err := filepath.Rel(tmp, p)
		if err != nil || strings.HasPrefix(rel, "..") {
			return "", fmt.Errorf("%s: %s is outside the table", url, p)
		}
		return url + "/" + filepath.ToSlash(rel), nil
	}
	if s.Location, err = toURL(s.Location); err != nil {
		return nil, err
	}
	s.Location = strings.TrimSuffix(s.Location, "/.")
	for i := range s.Files {
		if s.Files[i].Path, err = toURL(s.Files[i].Path); err != nil {
			return nil, err
		}
	}
	for i := range s.DeleteFiles {
		d := &s.DeleteFiles[i]
		if d.Path, err = toURL(d.Path); err != nil {
			return nil, err
		}
		if d.dv != nil {
			if d.dv.data, err = toURL(d.dv.data); err != nil {
				return nil, err
			}
		}
	}
	if resolve := s.resolve; resolve != nil {
		// Paths in position delete files name data files as URLs too.
		s.resolve = func(p string) (string, error) {
			local, err := resolve(p)
			if err != nil {
				return "", err
			}
			return toURL(local)
		}
	}
	s.deletes.open = func(p string) (fileReader, int64, error) {
		if !strings.HasPrefix(p, url+"/") {
			return nil, 0, fmt.Errorf("%s: %s is not in the table", url, p)
		}
		obj, err := store.Open(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		return obj, obj.Size(), nil
	}
	return s, nil
}

// copyObject copies one object into dst, at most limit bytes.
func copyObject(ctx context.Context, store *objstore.Store, url, dst string, limit int64) (int64, error) {
	obj, err := store.Open(ctx, url)
	if err != nil {
		return 0, err
	}
	defer obj.Close()
	if obj.Size() > limit {
		return 0, fmt.Errorf("%s: the table's log and metadata exceed %d bytes", url, int64(maxRemoteMetadata))
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, io.NewSectionReader(obj, 0, obj.Size()))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
