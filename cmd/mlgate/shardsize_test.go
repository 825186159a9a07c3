package main

import (
	"strings"
	"testing"
)

// TestSignRefusesShardSizeBelowOne: --shard-size 0 or -1 is refused (exit 2)
// instead of silently signing with the default.
func TestSignRefusesShardSizeBelowOne(t *testing.T) {
	key, _ := testKey(t)
	for _, size := range []string{"0", "-1"} {
		r := runCLI(t, keyEnv(), "sign", "--key", key, "--method", "shards", "--shard-size", size, writeModel(t))
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, "--shard-size "+size) {
			t.Errorf("--shard-size %s: stderr %q", size, r.stderr)
		}
	}
}
