package duckdbtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/steps"
)

// A sharded validation, merged, equals one run over the whole dataset and
// DuckDB's answer over it. The dataset is the three files DuckDB writes of
// one table, so every key of a unique column is duplicated across files:
// uniqueness is exact only if the shards partition the keys, not the rows.
func TestShardedValidationMergesToTheWhole(t *testing.T) {
	dir := t.TempDir()
	names := []string{"v1.parquet", "v2.parquet", "zstd.parquet"}
	var quoted []string
	for _, n := range names {
		quoted = append(quoted, "'"+strings.ReplaceAll(filepath.Join(dir, n), "'", "''")+"'")
	}
	union := "read_parquet([" + strings.Join(quoted, ", ") + "])"
	var qs []query
	for _, r := range rules {
		sql := fmt.Sprintf("SELECT count(%[1]s) - count(DISTINCT %[1]s), count(%[1]s) FROM %[2]s", r.column, union)
		if r.pass != "" {
			sql = fmt.Sprintf("SELECT count(*) FILTER (WHERE NOT (%[2]s)), count(%[1]s) FROM %[3]s WHERE %[1]s IS NOT NULL", r.column, r.pass, union)
		}
		qs = append(qs, query{File: "v1", SQL: sql})
	}
	paths, answers := ask(t, dir, qs)
	data := []string{paths["v1"], paths["v2"], paths["zstd"]}
	contractPath := filepath.Join(dir, "contract.yaml")
	if err := os.WriteFile(contractPath, []byte(contractYAML()+"dataset:\n  rows: {min: 60000}\n  unique: [[dup, cat]]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run := steps.Run{Tool: evidence.Tool{Name: "mlgate", Version: "test"}, Now: func() time.Time { return time.Unix(0, 0) }}

	whole, err := steps.Validate(ctx, steps.ValidateRequest{Run: run, Contract: contractPath, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]evidence.Check{}
	for _, c := range whole.Checks {
		byID[c.ID] = c
	}
	for i, r := range rules {
		c := byID[ruleID(r)]
		wantFail, _ := strconv.ParseInt(*answers[i].Rows[0][0], 10, 64)
		wantTotal, _ := strconv.ParseInt(*answers[i].Rows[0][1], 10, 64)
		if c.Failures != wantFail || c.Total != wantTotal {
			t.Errorf("unsharded %s: %d of %d fail, DuckDB says %d of %d", c.ID, c.Failures, c.Total, wantFail, wantTotal)
		}
	}
	if c := byID["column.dup.unique"]; c.Failures == 0 {
		t.Fatalf("the dataset was meant to hold duplicates across files: %s", c.Message)
	}

	shardFile := func(t *testing.T, run steps.Run, i, n int) string {
		doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: run, Contract: contractPath, Data: data, Shard: &evidence.Shard{Index: i, Count: n}})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), fmt.Sprintf("shard-%d.json", i))
		if err := evidence.Write(p, doc); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shardFiles := func(t *testing.T, n int) []string {
		var out []string
		for i := range n {
			out = append(out, shardFile(t, run, i, n))
		}
		return out
	}
	merge := func(contract string, shards ...string) (*evidence.Document, error) {
		return steps.ValidateMerge(ctx, steps.ValidateMergeRequest{Run: run, Contract: contract, Shards: shards})
	}
	wantChecks, _ := json.MarshalIndent(whole.Checks, "", " ")
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("%d shards", n), func(t *testing.T) {
			shards := shardFiles(t, n)
			merged, err := merge(contractPath, shards...)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(merged.Checks, "", " ")
			if string(got) != string(wantChecks) {
				t.Errorf("merged checks differ from the unsharded run:\n%s", lineDiff(string(wantChecks), string(got)))
			}
			if merged.Status != whole.Status {
				t.Errorf("merged status %s, unsharded %s", merged.Status, whole.Status)
			}
			d, _ := evidence.DetailsOf[evidence.ValidationDetails](merged)
			w, _ := evidence.DetailsOf[evidence.ValidationDetails](whole)
			if d.Rows != w.Rows || len(d.Merged) != n || fmt.Sprint(d.DecidedBy) != fmt.Sprint(w.DecidedBy) {
				t.Errorf("merged details %+v, unsharded %+v", d, w)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		shards := shardFiles(t, 3)
		other := filepath.Join(t.TempDir(), "other.yaml")
		if err := os.WriteFile(other, []byte(contractYAML()), 0o600); err != nil {
			t.Fatal(err)
		}
		four := shardFiles(t, 4)
		later := run
		later.Now = func() time.Time { return time.Unix(60, 0) }
		again := shardFile(t, later, 1, 3) // shard 1 run again: other bytes
		unsharded := filepath.Join(t.TempDir(), "whole.json")
		if err := evidence.Write(unsharded, whole); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name     string
			contract string
			shards   []string
			want     string
		}{
			{"missing shard", contractPath, shards[:2], "shard of 3"},
			{"missing shard of more", contractPath, []string{shards[0], shards[1], four[3]}, "a shard of 4"},
			{"same shard twice", contractPath, []string{shards[0], shards[1], shards[1]}, "same evidence"},
			{"shard run twice", contractPath, []string{shards[0], shards[1], again}, "both shard 1/3"},
			{"other contract", other, shards, "another contract"},
			{"other shard count", contractPath, []string{shards[0], shards[1], shards[2], four[3]}, "shard of 4"},
			{"not a shard", contractPath, []string{unsharded}, "not the evidence of a shard"},
		} {
			if _, err := merge(tc.contract, tc.shards...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
			}
		}
	})
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			lo, hi := max(0, i-8), min(i+4, len(al), len(bl))
			return fmt.Sprintf("want:\n%s\ngot:\n%s", strings.Join(al[lo:hi], "\n"), strings.Join(bl[lo:hi], "\n"))
		}
	}
	return fmt.Sprintf("%d lines against %d", len(al), len(bl))
}
