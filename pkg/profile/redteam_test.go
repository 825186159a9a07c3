package profile

import (
	"strings"
	"testing"
)

// Shards merge only as every shard of one run, once: each names every
// file, so a merge short of one passed for the profile of all the data.
func TestMergeNeedsEveryShard(t *testing.T) {
	shard := func(i, n int) *Profile {
		p := New()
		p.Shard = &Shard{Index: i, Count: n}
		return p
	}
	for _, tc := range []struct {
		parts []*Profile
		want  string
	}{
		{[]*Profile{shard(0, 3), shard(1, 3)}, "shard 2 of 3 is missing"},
		{[]*Profile{shard(0, 2), shard(0, 2)}, "shard 0 of 2 is given twice"},
		{[]*Profile{shard(0, 2), shard(1, 3)}, "shards of 2 and of 3"},
	} {
		if _, err := Merge(tc.parts...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	if _, err := Merge(shard(1, 2), shard(0, 2)); err != nil {
		t.Fatal(err)
	}
}
