package profile

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// APIVersion and FormatKind identify the profile format. A profile is not an
// evidence document: it is the reusable reference that drift reads, versioned
// on its own so that it can live in a repository or an artifact.
const (
	APIVersion = "mlgate.dev/v1"
	FormatKind = "ColumnProfile"
)

// maxProfileSize bounds what Read accepts; a profile is kilobytes per column.
const maxProfileSize = 256 << 20

// Profile is the profile of a dataset: one entry per column, sorted by name.
type Profile struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Rows is the number of rows profiled.
	Rows int64 `json:"rows"`
	// Shard is set on the profile of one shard of a dataset (--shard I/N).
	Shard   *Shard    `json:"shard,omitempty"`
	Sources []Source  `json:"sources"`
	Columns []*Column `json:"columns"`
}

// Shard is shard Index (0-based) of Count.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Source is one input file and the row groups of it that were profiled.
type Source struct {
	Path      string `json:"path"`
	Rows      int64  `json:"rows"`
	RowGroups []int  `json:"rowGroups"`
	// Digest is the file's digest (sha256), when the profile was asked to
	// record it, so drift evidence can name the data it is about.
	Digest map[string]string `json:"digest,omitempty"`
}

// New returns an empty profile.
func New() *Profile {
	return &Profile{APIVersion: APIVersion, Kind: FormatKind, Sources: []Source{}, Columns: []*Column{}}
}

// Column finds a column by name in a finished profile (Finish sorts the
// columns; Parse, Read, Merge and the builders finish), by binary search so
// that walking every column of a wide profile stays n log n.
func (p *Profile) Column(name string) *Column {
	i, ok := slices.BinarySearchFunc(p.Columns, name, func(c *Column, name string) int { return cmp.Compare(c.Name, name) })
	if !ok {
		return nil
	}
	return p.Columns[i]
}

// Finish sorts columns and sources and finishes every column, so that the
// same data always encodes to the same bytes.
func (p *Profile) Finish() {
	slices.SortFunc(p.Columns, func(a, b *Column) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(p.Sources, func(a, b Source) int { return cmp.Compare(a.Path, b.Path) })
	for _, c := range p.Columns {
		c.Finish()
	}
}

// Merge combines profiles of disjoint parts of one dataset (shards, files)
// into the profile of the whole. Parts must have the same columns, and no row
// group may be profiled twice.
func Merge(parts ...*Profile) (*Profile, error) {
	if len(parts) == 0 {
		return nil, errors.New("no profiles to merge")
	}
	if err := wholeShards(parts); err != nil {
		return nil, err
	}
	out := New()
	seen := map[string]map[int]bool{}
	sources := map[string]*Source{}
	for i, p := range parts {
		if i > 0 && !sameColumns(parts[0], p) {
			return nil, fmt.Errorf("profiles have different columns (%s and %s): only parts of one dataset merge", columnNames(parts[0]), columnNames(p))
		}
		out.Rows += p.Rows
		for _, s := range p.Sources {
			if seen[s.Path] == nil {
				seen[s.Path] = map[int]bool{}
				sources[s.Path] = &Source{Path: s.Path, RowGroups: []int{}, Digest: s.Digest}
			}
			if d := sources[s.Path].Digest["sha256"]; d != s.Digest["sha256"] {
				return nil, fmt.Errorf("%s has different digests in the profiles (sha256 %q and %q): they are not parts of one dataset", s.Path, d, s.Digest["sha256"])
			}
			for _, rg := range s.RowGroups {
				if seen[s.Path][rg] {
					return nil, fmt.Errorf("row group %d of %s is in more than one profile", rg, s.Path)
				}
				seen[s.Path][rg] = true
			}
			sources[s.Path].Rows += s.Rows
			sources[s.Path].RowGroups = append(sources[s.Path].RowGroups, s.RowGroups...)
		}
	}
	for _, s := range sources {
		slices.Sort(s.RowGroups)
		out.Sources = append(out.Sources, *s)
	}
	for _, c := range parts[0].Columns {
		merged := NewColumn(c.Name, c.Kind, c.Type)
		for _, p := range parts {
			if err := merged.Merge(p.Column(c.Name)); err != nil {
				return nil, err
			}
		}
		out.Columns = append(out.Columns, merged)
	}
	out.Finish()
	return out, nil
}

// wholeShards refuses shards that are not every shard of one count, once:
// their sources name every file, so a merge short of a shard would pass
// for the profile of all the data.
func wholeShards(parts []*Profile) error {
	count, have := 0, map[int]bool{}
	for _, p := range parts {
		if p.Shard == nil {
			continue
		}
		switch {
		case count != 0 && p.Shard.Count != count:
			return fmt.Errorf("shards of %d and of %d: only the shards of one run merge", count, p.Shard.Count)
		case have[p.Shard.Index]:
			return fmt.Errorf("shard %d of %d is given twice", p.Shard.Index, p.Shard.Count)
		}
		count, have[p.Shard.Index] = p.Shard.Count, true
	}
	for i := range count {
		if !have[i] {
			return fmt.Errorf("shard %d of %d is missing: merge every shard", i, count)
		}
	}
	return nil
}

func sameColumns(a, b *Profile) bool {
	if len(a.Columns) != len(b.Columns) {
		return false
	}
	for _, c := range a.Columns {
		if o := b.Column(c.Name); o == nil || o.Kind != c.Kind {
			return false
		}
	}
	return true
}

func columnNames(p *Profile) string {
	names := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		names[i] = c.Name
	}
	if len(names) > 6 {
		names = append(names[:6], "…")
	}
	return fmt.Sprintf("%q", names)
}

// Marshal encodes a finished profile as indented JSON with a trailing newline.
// Struct fields and sorted slices only: the bytes depend on the data alone.
func Marshal(p *Profile) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Read decodes and checks the profile at path.
func Read(path string) (*Profile, error) {
	l, err := Load(path, nil)
	if err != nil {
		return nil, err
	}
	return l.Profile, nil
}

// Loaded is a profile as read: parsed from the bytes whose digest it carries
// and which the verifier, if any, checked (a profile is signed as evidence).
type Loaded struct {
	Profile *Profile
	// Digest is the hex sha256 of the bytes Profile was parsed from.
	Digest string
	Signer *evidence.Signer
}

// Load reads the profile at path once: a verifier checks those bytes, and
// the profile and its digest come from the same bytes.
func Load(path string, v evidence.Verifier) (*Loaded, error) {
	data, err := readlimit.ReadFile(path, maxProfileSize, "a profile")
	if err != nil {
		return nil, err
	}
	l := &Loaded{}
	if v != nil {
		if l.Signer, err = v.VerifyEvidence(path, data); err != nil {
			return nil, err
		}
	}
	if l.Profile, err = Parse(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	l.Digest = hex.EncodeToString(sum[:])
	return l, nil
}

// Subjects is what a profile is about, for its signature: the data files
// it describes, those whose digest it records.
func Subjects(doc []byte) ([]evidence.File, error) {
	p, err := Parse(doc)
	if err != nil {
		return nil, err
	}
	var files []evidence.File
	for _, s := range p.Sources {
		if len(s.Digest) > 0 {
			files = append(files, evidence.File{Path: s.Path, Digest: s.Digest})
		}
	}
	return files, nil
}

// Parse decodes and checks a profile.
func Parse(data []byte) (*Profile, error) {
	var p Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("not a profile: %w", err)
	}
	if p.Kind != FormatKind {
		return nil, fmt.Errorf("kind %q is not a %s (mlgate profile writes one)", p.Kind, FormatKind)
	}
	if p.APIVersion != APIVersion {
		return nil, fmt.Errorf("apiVersion %q is not supported (want %s)", p.APIVersion, APIVersion)
	}
	if p.Sources == nil {
		p.Sources = []Source{}
	}
	for i, c := range p.Columns {
		if c == nil {
			return nil, fmt.Errorf("column %d is null", i)
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("column %q: %w", c.Name, err)
		}
	}
	p.Finish()
	for i := 1; i < len(p.Columns); i++ {
		if p.Columns[i].Name == p.Columns[i-1].Name {
			return nil, fmt.Errorf("column %q is listed twice", p.Columns[i].Name)
		}
	}
	return &p, nil
}

// check validates a decoded column, so drift never computes on nonsense.
func (c *Column) check() error {
	if c.Count < 0 || c.Nulls < 0 || c.NaNs < 0 || c.Infinities < 0 || c.Nulls > c.Count {
		return errors.New("negative or inconsistent counts")
	}
	if c.Distinct == nil {
		c.Distinct = &Distinct{}
	}
	switch c.Kind {
	case Categorical:
		if c.TopK == nil {
			return errors.New("categorical column without topK")
		}
		var listed int64
		for _, it := range c.TopK.Items {
			if it.Count <= 0 {
				return errors.New("topK lists a non-positive count")
			}
			listed += it.Count
		}
		if c.TopK.N != c.Values() || listed > c.TopK.N || c.TopK.MaxError < 0 {
			return errors.New("topK counts do not add up to the column's values")
		}
	case Numeric:
		if c.Moments == nil || c.Quantiles == nil {
			return errors.New("numeric column without moments or quantiles")
		}
		if c.Quantiles.Alpha != Alpha {
			return fmt.Errorf("quantile sketch accuracy %g, this version uses %g", c.Quantiles.Alpha, Alpha)
		}
		t := bucketBounds()
		for _, st := range []Store{c.Quantiles.Positive, c.Quantiles.Negative} {
			if len(st.Counts) > MaxBuckets || slices.ContainsFunc(st.Counts, func(n int64) bool { return n < 0 }) ||
				(len(st.Counts) > 0 && (st.Offset <= t.lo || st.Offset+len(st.Counts) > t.lo+len(t.bounds))) {
				return errors.New("quantile sketch is malformed")
			}
		}
		if c.Quantiles.Count() != c.Moments.N || c.Moments.N+c.NaNs+c.Infinities != c.Values() {
			return errors.New("numeric counts do not add up")
		}
		if c.Moments.N <= ExactLimit && int64(len(c.Exact)) != c.Moments.N {
			return fmt.Errorf("exact values: %d listed, %d counted", len(c.Exact), c.Moments.N)
		}
		if c.Moments.N > ExactLimit {
			c.Exact, c.ExactText = nil, nil
		} else if c.Exact == nil {
			c.Exact = []float64{}
		}
		if c.ExactText != nil {
			if len(c.ExactText) != len(c.Exact) {
				return fmt.Errorf("exact values: %d listed as text, %d as numbers", len(c.ExactText), len(c.Exact))
			}
			if _, ok := c.ExactRats(); !ok {
				return errors.New("exact values: a text value is not a number")
			}
		}
	default:
		return fmt.Errorf("unknown kind %q (want numeric or categorical)", c.Kind)
	}
	return nil
}
