package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Data arguments may be object URLs (s3://, gs://, az://, https://) beside
// local paths. A command that reads data attaches a dataStore to its context
// (scanOptions.attach); expandData, openData and recordIO find it there, so
// the commands share one way of reaching remote data.

type dataStoreKey struct{}

// dataStore is the run's object store client and the objects it opened, by
// URL, whose I/O records the evidence carries.
type dataStore struct {
	st      *objstore.Store
	mu      sync.Mutex
	objects map[string]*objstore.Object
}

// addStoreFlags adds the flags for remote data to a command's scan options.
func (o *scanOptions) addStoreFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Endpoint, "endpoint", "", "`URL` of an S3-compatible server for s3:// data (default: AWS, or AWS_ENDPOINT_URL_S3)")
	cmd.Flags().BoolVar(&o.NoSignRequest, "no-sign-request", false, "read s3://, gs:// and az:// data anonymously (public buckets)")
}

// attach makes the command's data arguments readable from object stores; call
// the returned function when the run ends.
func (o *scanOptions) attach(cmd *cobra.Command) func() {
	ds := &dataStore{
		st:      objstore.New(objstore.Options{Endpoint: o.Endpoint, Anonymous: o.NoSignRequest}),
		objects: map[string]*objstore.Object{},
	}
	cmd.SetContext(context.WithValue(cmd.Context(), dataStoreKey{}, ds))
	return func() { ds.st.Close() }
}

func storeOf(ctx context.Context) *dataStore {
	ds, _ := ctx.Value(dataStoreKey{}).(*dataStore)
	return ds
}

// expandData is expandDataArgs for arguments that may be object URLs, which
// are expanded by listing. The result keeps the arguments' order, without
// duplicates.
func expandData(ctx context.Context, args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, arg := range args {
		var (
			paths []string
			err   error
		)
		if objstore.IsURL(arg) {
			ds := storeOf(ctx)
			if ds == nil {
				return nil, fmt.Errorf("%s: this command reads local files only", arg)
			}
			paths, err = ds.st.Expand(ctx, arg)
		} else {
			paths, err = expandDataArgs([]string{arg})
		}
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// openDataFile opens a local Parquet file or a remote object.
func openDataFile(ctx context.Context, path string) (*parquetx.File, error) {
	ds := storeOf(ctx)
	if !objstore.IsURL(path) || ds == nil {
		return parquetx.Open(path)
	}
	obj, err := ds.st.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	ds.mu.Lock()
	ds.objects[path] = obj
	ds.mu.Unlock()
	return parquetx.OpenReader(path, obj, obj.Size())
}

// openData is parquetx.OpenAll for paths that may be object URLs.
func openData(ctx context.Context, paths []string) ([]*parquetx.File, error) {
	files := make([]*parquetx.File, 0, len(paths))
	for _, p := range paths {
		f, err := openDataFile(ctx, p)
		if err != nil {
			parquetx.CloseAll(files)
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// recordIO completes the evidence of remote files with their size, the
// version every read was pinned to, and what reading them cost.
func recordIO(ctx context.Context, files []evidence.File) {
	ds := storeOf(ctx)
	if ds == nil {
		return
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	for i := range files {
		obj := ds.objects[files[i].Path]
		if obj == nil {
			continue
		}
		rec := obj.Record()
		files[i].Size, files[i].Version = obj.Size(), obj.Version()
		files[i].IO = &evidence.IORecord{Requests: rec.Requests, BytesRead: rec.BytesRead}
	}
}

// isLocalData reports whether path is on the local disk (so it can be
// stat'ed, hashed or sniffed).
func isLocalData(path string) bool {
	if objstore.IsURL(path) {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}
