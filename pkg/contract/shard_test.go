package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// TestShardsMergeToTheWhole validates two files that share half their ids
// (and their planted failures) in 1, 2, 3 and 7 shards: the merged checks,
// after a round trip through JSON as evidence makes, equal one run's.
func TestShardsMergeToTheWhole(t *testing.T) {
	dir := t.TempDir()
	rows := fixtureRows(1000)
	files := openAll(t, writeFixture(t, dir, "a.parquet", rows, 128), writeFixture(t, dir, "b.parquet", rows[300:], 100))
	c := parseString(t, "c.yaml", `dataset:
  rows: {min: 10}
  unique:
    - [customer, day]
columns:
  - {name: id, unique: true, max: 950}
  - {name: customer}
  - {name: day}
  - {name: amount, max: 2000, nullable: false}
  - {name: country, allowed: [FR, DE, US]}
  - {name: email, pattern: '^user[0-9]+@example\.com$', unique: true, mostly: 0.5}
`)
	plan, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole, err := plan.Run(ctx, files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(whole.Checks)
	if dup := checkByID(t, whole, "column.id.unique"); dup.Failures != 701 {
		t.Fatalf("id duplicates: %s", dup.Message) // 700 shared ids and id 499
	}
	names := []string{files[0].Path, files[1].Path}
	for _, n := range []int{1, 2, 3, 7} {
		var shards []ShardResult
		for i := range n {
			res, err := plan.Run(ctx, files, Options{Shard: &evidence.Shard{Index: i, Count: n}})
			if err != nil {
				t.Fatal(err)
			}
			// What the evidence carries, read back.
			var back ShardResult
			b, _ := json.Marshal(ShardResult{Checks: res.Checks, Details: res.Details})
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			back.Name, back.Files = fmt.Sprintf("shard %d", i), names
			shards = append(shards, back)
		}
		merged, err := plan.MergeShards(shards)
		if err != nil {
			t.Fatalf("%d shards: %v", n, err)
		}
		got, _ := json.Marshal(merged.Checks)
		if string(got) != string(want) {
			t.Errorf("%d shards: merged\n%s\nwant\n%s", n, got, want)
		}
		if merged.Details.Rows != whole.Details.Rows || fmt.Sprint(merged.Details.DecidedBy) != fmt.Sprint(whole.Details.DecidedBy) {
			t.Errorf("%d shards: details %+v, want %+v", n, merged.Details, whole.Details)
		}
	}
}
