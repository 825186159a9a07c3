package signing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/mlgate/mlgate/pkg/progress"
)

// HashOptions says how to hash a model.
type HashOptions struct {
	// Method is MethodFiles (one digest per file, the model_signing default) or
	// MethodShards (one digest per ShardSize bytes, so one large file is hashed
	// on several cores).
	Method    string
	ShardSize int64
	// IgnorePaths are model-relative paths to leave out (and to record).
	IgnorePaths   []string
	AllowSymlinks bool
	// Workers is how many files or shards are hashed at once; 0 means one per CPU.
	Workers int
	// BufferSize is the size of each worker's read buffer; 0 means 1 MiB.
	BufferSize int
}

// defaultBufferSize: larger buffers hash no faster (measured 128 KiB to
// 4 MiB: the copy from the page cache and SHA-256 cost the same per byte)
// and each worker holds one.
const defaultBufferSize = 1 << 20

// HashModel walks and hashes a model (a folder, or a single file) into the
// manifest that a model signature states. Files are streamed, never loaded
// whole; files and shards are spread over Workers goroutines, largest first.
func HashModel(ctx context.Context, root string, opts HashOptions) (*Manifest, error) {
	if opts.Method == "" {
		opts.Method = MethodFiles
	}
	if opts.Method != MethodFiles && opts.Method != MethodShards {
		return nil, fmt.Errorf("hashing method %q: want %s or %s", opts.Method, MethodFiles, MethodShards)
	}
	if opts.Method == MethodShards && opts.ShardSize <= 0 {
		return nil, fmt.Errorf("shard size %d: a shard must be at least one byte", opts.ShardSize)
	}
	ignore, err := CleanIgnorePaths(opts.IgnorePaths)
	if err != nil {
		return nil, err
	}
	files, err := walkModel(root, ignore, opts.AllowSymlinks)
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		Name:          modelName(root),
		Method:        opts.Method,
		AllowSymlinks: opts.AllowSymlinks,
		IgnorePaths:   ignore,
		Recorded:      len(ignore) > 0,
	}
	if opts.Method == MethodShards {
		m.ShardSize = opts.ShardSize
	}
	alg := m.algorithm()
	for _, f := range files {
		if opts.Method == MethodFiles {
			m.Resources = append(m.Resources, Resource{Name: f.Name, Path: f.Name, End: f.Size, Algorithm: alg, Size: f.Size})
			continue
		}
		// Shard boundaries as model_signing draws them: every ShardSize bytes,
		// the last shard short; an empty file has no shards.
		for start := int64(0); start < f.Size; start += opts.ShardSize {
			end := min(start+opts.ShardSize, f.Size)
			m.Resources = append(m.Resources, Resource{
				Name: fmt.Sprintf("%s:%d:%d", f.Name, start, end), Path: f.Name,
				Start: start, End: end, Algorithm: alg, Size: end - start,
			})
		}
	}
	paths := make(map[string]string, len(files))
	for _, f := range files {
		paths[f.Name] = f.Path
	}
	var total int64
	for _, r := range m.Resources {
		total += r.Size
	}
	task := progress.Start(ctx, "hashing "+m.Name, progress.Bytes, total)
	defer task.Done()
	if err := hashResources(ctx, m.Resources, paths, opts.Workers, opts.BufferSize, task); err != nil {
		return nil, err
	}
	sortResources(m.Resources)
	return m, nil
}

// modelName is the subject name model_signing gives a model: its base name.
func modelName(root string) string {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return filepath.Base(root)
}

// hashResources fills in the digest of every resource, reading the byte range
// [Start, End) of the file at paths[Path].
func hashResources(ctx context.Context, rs []Resource, paths map[string]string, workers, bufSize int, task progress.Task) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if bufSize <= 0 {
		bufSize = defaultBufferSize
	}
	// Largest first, so the long jobs start early and the cores finish together.
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rs[order[a]].Size > rs[order[b]].Size })

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range min(workers, max(len(rs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, bufSize)
			for i := range jobs {
				r := &rs[i]
				d, err := hashRange(ctx, paths[r.Path], r.Start, r.End, buf, task)
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					continue
				}
				r.Digest = d
			}
		}()
	}
feed:
	for _, i := range order {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// hashRange streams bytes [start, end) of a file through SHA-256, adding
// what it reads to task.
func hashRange(ctx context.Context, path string, start, end int64, buf []byte, task progress.Task) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hashing %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	r := io.NewSectionReader(f, start, end-start)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		task.Add(int64(n))
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("hashing %s: %w", path, err)
		}
	}
	if got, _ := r.Seek(0, io.SeekCurrent); got != end-start {
		return nil, fmt.Errorf("hashing %s: the file changed while it was read (%d of %d bytes)", path, got, end-start)
	}
	return h.Sum(nil), nil
}

// FileDigest is the SHA-256 of one file, streamed. The file (or the file a
// link leads to) must be regular: a device such as /dev/zero states no size,
// so it would be signed as empty, and a pure Ed25519 signature reads it whole.
func FileDigest(ctx context.Context, path string) ([]byte, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file (%s)", path, st.Mode().Type())
	}
	task := progress.Start(ctx, "hashing "+filepath.Base(path), progress.Bytes, st.Size())
	defer task.Done()
	d, err := hashRange(ctx, path, 0, st.Size(), make([]byte, defaultBufferSize), task)
	return d, st.Size(), err
}
