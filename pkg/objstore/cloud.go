package objstore

import (
	"context"
	"errors"
	"io"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// cloud is a bucket of S3 or Azure through gocloud.dev/blob; the two differ
// only in how a read is pinned to a version. GCS has its own client (gcs.go).
type cloud struct {
	b *blob.Bucket
	// versionOf returns the version of an object from its attributes.
	versionOf func(*blob.Attributes) string
	// pin makes a read conditional on version (a BeforeRead hook).
	pin   func(version string) func(as func(any) bool) error
	creds string
}

func (c *cloud) stat(ctx context.Context, key string) (int64, string, error) {
	a, err := c.b.Attributes(ctx, key)
	if err != nil {
		return 0, "", err
	}
	return a.Size, c.versionOf(a), nil
}

func (c *cloud) read(ctx context.Context, key, version string, off int64, dst []byte) error {
	r, err := c.b.NewRangeReader(ctx, key, off, int64(len(dst)), &blob.ReaderOptions{BeforeRead: c.pin(version)})
	if err != nil {
		if gcerrors.Code(err) == gcerrors.FailedPrecondition || httpStatus(err) == 412 {
			return errChanged
		}
		return err
	}
	defer r.Close()
	_, err = io.ReadFull(r, dst)
	return err
}

func (c *cloud) list(ctx context.Context, prefix string, fn func(string) error) error {
	it := c.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if o.IsDir {
			continue
		}
		if err := fn(o.Key); err != nil {
			return err
		}
	}
}

func (c *cloud) credentials() string { return c.creds }

func (c *cloud) close() error { return c.b.Close() }

// etag is the version of S3 and Azure objects, without its quotes.
func etag(a *blob.Attributes) string { return strings.Trim(a.ETag, `"`) }
