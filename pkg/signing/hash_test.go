package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestShardsCoverEveryByte checks the sharded digests against SHA-256 over
// each byte range computed here, for a file that is not a multiple of the shard size.
func TestShardsCoverEveryByte(t *testing.T) {
	root := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 4099) // 65584 bytes
	if err := os.WriteFile(filepath.Join(root, "w.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := HashModel(context.Background(), root, HashOptions{Method: MethodShards, ShardSize: 10000, Workers: 3, BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Resources) != 7 {
		t.Fatalf("%d shards, want 7", len(m.Resources))
	}
	for i, r := range m.Resources {
		start, end := int64(i)*10000, min(int64(i+1)*10000, int64(len(data)))
		want := sha256.Sum256(data[start:end])
		if r.Name != fmt.Sprintf("w.bin:%d:%d", start, end) || !bytes.Equal(r.Digest, want[:]) {
			t.Errorf("shard %d: %s %x", i, r.Name, r.Digest)
		}
	}
}

// BenchmarkHashModel hashes a 256 MiB model (one 192 MiB file and 64 files of
// 1 MiB) by method and worker count. The figures are in the README.
func BenchmarkHashModel(b *testing.B) {
	root := b.TempDir()
	chunk := bytes.Repeat([]byte{0x5a}, 1<<20)
	write := func(name string, mib int) {
		f, err := os.Create(filepath.Join(root, name))
		if err != nil {
			b.Fatal(err)
		}
		for range mib {
			f.Write(chunk)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	write("weights.bin", 192)
	for i := range 64 {
		write(fmt.Sprintf("part-%02d.bin", i), 1)
	}
	for _, c := range []struct {
		method  string
		workers int
	}{{MethodFiles, 1}, {MethodFiles, 0}, {MethodShards, 1}, {MethodShards, 0}} {
		b.Run(fmt.Sprintf("%s/workers=%d", c.method, c.workers), func(b *testing.B) {
			b.SetBytes(256 << 20)
			for b.Loop() {
				if _, err := HashModel(context.Background(), root, HashOptions{Method: c.method, ShardSize: 32 << 20, Workers: c.workers}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCompareNamesChangedShards: a changed byte of a sharded file is named
// with its shard's byte range.
func TestCompareNamesChangedShards(t *testing.T) {
	root := t.TempDir()
	data := bytes.Repeat([]byte("x"), 30)
	writeFile(t, filepath.Join(root, "w.bin"), string(data))
	opts := HashOptions{Method: MethodShards, ShardSize: 10}
	signed, err := HashModel(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	data[15] = 'y'
	writeFile(t, filepath.Join(root, "w.bin"), string(data))
	local, err := HashModel(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := Compare(signed, local, false)
	if len(p) != 1 || p[0].Message != "w.bin does not match its signed digest (bytes 10 to 20 of 30)" {
		t.Fatalf("problems %+v", p)
	}
}
