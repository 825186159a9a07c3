// Package objstore reads Parquet data where it lives: in S3 (and
// S3-compatible stores), Google Cloud Storage, Azure Blob Storage, behind a
// public https:// URL, or on the local disk. It gives pkg/parquetx an
// io.ReaderAt over an object so that the engine reads remote files by byte
// ranges, never by downloading them.
//
// Reads are few and pinned: Open asks for the object's size and version
// (ETag, generation or version id), then reads the object's tail in one
// speculative request, which holds the footer and usually the page index.
// Later reads are conditional on the version first seen, so an object that is
// replaced during a run is an *ChangedError instead of mixed data. Reads
// inside a range the caller announced (Prefetch: a column chunk about to be
// scanned) are coalesced into blocks of Options.BlockSize; other reads fetch
// exactly what is asked. Requests run at most Options.Parallel at a time per
// Store and are retried with backoff on throttling, 5xx and dropped
// connections. Each Object counts its requests and bytes (Record), which the
// evidence carries.
//
// Credentials are found the way each cloud's own tools find them (openS3,
// openGCS, openAzure); they are never part of an error or a record.
package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configures a Store. The zero value is usable.
type Options struct {
	// Endpoint is the URL of an S3-compatible server (MinIO, Ceph, R2,
	// versitygw). Empty: AWS, or the standard AWS_ENDPOINT_URL_S3.
	Endpoint string
	// Anonymous reads public buckets without credentials.
	Anonymous bool
	// Parallel bounds the requests in flight per Store (default 16).
	Parallel int
	// TailSize is the size of the speculative tail read (default 64 KiB).
	TailSize int64
	// BlockSize is the size of coalesced reads inside a prefetched range
	// (default 1 MiB); the blocks kept weigh at most CacheBlocks of that
	// size (default 32).
	BlockSize   int64
	CacheBlocks int
	// Retries is how often a failed request is retried (default 8: the
	// clients send each request once, so all retrying happens here);
	// RetryBase is the first backoff (default 100ms), doubled each time.
	Retries   int
	RetryBase time.Duration
}

func (o Options) withDefaults() Options {
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.TailSize <= 0 {
		o.TailSize = 64 << 10
	}
	if o.BlockSize <= 0 {
		o.BlockSize = 1 << 20
	}
	if o.CacheBlocks <= 0 {
		o.CacheBlocks = 32
	}
	if o.Retries <= 0 {
		o.Retries = 8
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 100 * time.Millisecond
	}
	return o
}

// Store opens objects; it keeps one client per bucket. Close it when done.
type Store struct {
	opts    Options
	sem     chan struct{}
	mu      sync.Mutex
	buckets map[string]backend
	cache   blockCache
}

// New returns a Store.
func New(opts Options) *Store {
	opts = opts.withDefaults()
	return &Store{opts: opts, sem: make(chan struct{}, opts.Parallel), buckets: map[string]backend{}, cache: blockCache{max: int64(opts.CacheBlocks) * opts.BlockSize}}
}

// Close releases the clients.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for k, b := range s.buckets {
		errs = append(errs, b.close())
		delete(s.buckets, k)
	}
	return errors.Join(errs...)
}

// IsURL reports whether arg names remote data rather than a local path.
func IsURL(arg string) bool {
	for _, p := range []string{"s3://", "gs://", "az://", "https://", "http://"} {
		if strings.HasPrefix(arg, p) {
			return true
		}
	}
	return false
}

// location is a parsed object URL.
type location struct {
	scheme, bucket, key string
	raw                 string // the https URL itself
}

func (l location) String() string {
	if l.scheme == "https" || l.scheme == "http" {
		return l.raw
	}
	return l.scheme + "://" + l.bucket + "/" + l.key
}

func (l location) bucketURL() string { return l.scheme + "://" + l.bucket }

func parse(raw string) (location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return location{}, fmt.Errorf("bad data URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "s3", "gs", "az":
		if u.Host == "" {
			return location{}, fmt.Errorf("bad data URL %q: no bucket", raw)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return location{}, fmt.Errorf("bad data URL %q: %s://bucket/key takes no query, fragment or user", raw, u.Scheme)
		}
		return location{scheme: u.Scheme, bucket: u.Host, key: strings.TrimPrefix(u.Path, "/")}, nil
	case "https":
		return location{scheme: u.Scheme, raw: raw}, nil
	case "http":
		// Plain http only to this machine (test servers); data from
		// elsewhere comes over TLS.
		h := u.Hostname()
		if h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1" {
			return location{scheme: u.Scheme, raw: raw}, nil
		}
		return location{}, fmt.Errorf("bad data URL %q: use https:// (plain http is accepted only for localhost)", raw)
	}
	return location{}, fmt.Errorf("bad data URL %q: want s3://, gs://, az:// or https://", raw)
}

// backend is one bucket (or the web) seen through one client.
type backend interface {
	// stat returns the object's size and version.
	stat(ctx context.Context, key string) (size int64, version string, err error)
	// read fills dst from offset off of the object, failing with
	// errChanged when the object's version is no longer version.
	read(ctx context.Context, key, version string, off int64, dst []byte) error
	// list calls fn with each key under prefix, in order.
	list(ctx context.Context, prefix string, fn func(key string) error) error
	// credentials names where the client's credentials came from.
	credentials() string
	close() error
}

// bucket returns the backend of l, creating its client once.
func (s *Store) bucket(ctx context.Context, l location) (backend, error) {
	id := l.bucketURL()
	if l.scheme == "https" || l.scheme == "http" {
		id = "web"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.buckets[id]; ok {
		return b, nil
	}
	var (
		b   backend
		err error
	)
	switch l.scheme {
	case "s3":
		b, err = openS3(ctx, l.bucket, s.opts)
	case "gs":
		b, err = openGCS(ctx, l.bucket, s.opts)
	case "az":
		b, err = openAzure(ctx, l.bucket, s.opts)
	default:
		b = newWeb()
	}
	if err != nil {
		return nil, err
	}
	s.buckets[id] = b
	return b, nil
}
