package steps

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/profile"
)

// ProfileRequest asks for a column profile of Parquet files.
type ProfileRequest struct {
	Run
	Data []string
	// Shard profiles only row groups Index, Index+Count, ... (nil: all).
	Shard *profile.Shard
	// Columns limits the profile to these dotted paths (nil: all).
	Columns []string
	Scan    parquetx.ScanOptions
	// Digest records each data file's sha256 in the profile (reads every
	// byte), so drift evidence names the data it is about.
	Digest bool
	// Out is where the profile goes ("" keeps it in the evidence only);
	// WriteProfile writes it (a new file at Out when nil).
	Out          string
	WriteProfile Sink
	// Overwrite lets Plan replace an existing profile file; AfterWrite runs
	// once Plan's output wrote the profile to a file (to sign it).
	Overwrite  bool
	AfterWrite Sink
}

// Profile profiles the data and writes the profile; the evidence (kind
// Profile) summarises each column and warns of what was not profiled.
func Profile(ctx context.Context, r ProfileRequest) (*evidence.Document, error) {
	ctx = r.Run.context(ctx)
	started := r.now()
	src, err := loadParquet(ctx, r.Remote, r.Data, profile.ScanOptions{Shard: r.Shard, Columns: r.Columns, Parquet: r.Scan})
	if err != nil {
		return nil, err
	}
	if r.Digest {
		if err := src.recordDigests(ctx); err != nil {
			return nil, err
		}
	}
	return finishProfile(r.Run, src, r.Out, r.WriteProfile, started)
}

// MergeRequest asks to merge the profiles of disjoint parts of one dataset.
type MergeRequest struct {
	Run
	Profiles     []string
	Out          string
	WriteProfile Sink
	// Overwrite lets Plan replace an existing profile file; AfterWrite runs
	// once Plan's output wrote the profile to a file (to sign it).
	Overwrite  bool
	AfterWrite Sink
}

// Merge combines the profiles as if the whole dataset had been profiled at once.
func Merge(_ context.Context, r MergeRequest) (*evidence.Document, error) {
	started := r.now()
	src, err := loadProfiles(r.Profiles, nil)
	if err != nil {
		return nil, err
	}
	return finishProfile(r.Run, src, r.Out, r.WriteProfile, started)
}

// finishProfile writes the profile and builds the step's evidence.
func finishProfile(run Run, src *profileSource, out string, sink Sink, started time.Time) (*evidence.Document, error) {
	if out != "" || sink != nil {
		data, err := profile.Marshal(src.profile)
		if err != nil {
			return nil, err
		}
		if err := sinkOr(sink, "profile", out)(data); err != nil {
			return nil, err
		}
	}
	doc := run.start(evidence.KindProfile, src.subject(), started)
	for _, c := range src.checks {
		doc.Add(c)
	}
	doc.Details = profileDetailsOf(src.profile, out)
	p := src.profile
	doc.Summary = fmt.Sprintf("profiled %d %s of %d %s in %d %s", len(p.Columns), plural(len(p.Columns), "column"),
		p.Rows, plural(int(p.Rows), "row"), len(p.Sources), plural(len(p.Sources), "file"))
	if p.Shard != nil {
		doc.Summary += fmt.Sprintf(" (shard %d/%d)", p.Shard.Index, p.Shard.Count)
	}
	return run.finish(doc), nil
}

func profileDetailsOf(p *profile.Profile, path string) evidence.ProfileDetails {
	d := evidence.ProfileDetails{Profile: path, Rows: p.Rows, Columns: []evidence.ProfileColumn{}}
	if p.Shard != nil {
		d.Shard = &evidence.Shard{Index: p.Shard.Index, Count: p.Shard.Count}
	}
	for _, c := range p.Columns {
		s := evidence.ProfileColumn{Name: c.Name, Kind: string(c.Kind), Type: c.Type, Count: c.Count,
			NullRate: c.NullRate(), Distinct: c.Distinct.Estimate(), Exact: c.IsExact()}
		if m := c.Moments; m != nil && m.N > 0 {
			sd := m.StdDev()
			s.Min, s.Max, s.Mean, s.StdDev = &m.Min, &m.Max, &m.Mean, &sd
		}
		d.Columns = append(d.Columns, s)
	}
	return d
}

// profileSource is a profile and what it was built from.
type profileSource struct {
	profile *profile.Profile
	files   []evidence.File
	// profiles are the profile files read, by digest; nil for Parquet.
	profiles []evidence.File
	checks   []evidence.Check
	name     string
}

func (s *profileSource) subject() evidence.Subject {
	return evidence.Subject{Name: s.name, Files: s.files}
}

// recordDigests hashes the Parquet files profiled into the profile and the
// evidence subject, so drift evidence can name its data by digest.
func (s *profileSource) recordDigests(ctx context.Context) error {
	for i := range s.profile.Sources {
		src := &s.profile.Sources[i]
		ref, err := fileRef(ctx, src.Path)
		if err != nil {
			return err
		}
		src.Digest = ref.Digest
		for j := range s.files {
			if s.files[j].Path == src.Path {
				s.files[j].Digest = ref.Digest
			}
		}
	}
	return nil
}

// loadSource reads paths as Parquet files (profiled) or as profiles (merged
// when several), whichever they are; mixing both is refused.
func loadSource(ctx context.Context, remote *Remote, paths []string, opts profile.ScanOptions, v evidence.Verifier) (*profileSource, error) {
	if len(paths) == 0 {
		return nil, remote.noData()
	}
	var parquetFiles, profiles int
	for _, p := range paths {
		isParquet, err := looksLikeParquet(p)
		if err != nil {
			return nil, err
		}
		if isParquet {
			parquetFiles++
		} else {
			profiles++
		}
	}
	switch {
	case parquetFiles > 0 && profiles > 0:
		return nil, fmt.Errorf("%s: give either Parquet files or profiles, not both", strings.Join(paths, ", "))
	case parquetFiles > 0:
		return loadParquet(ctx, remote, paths, opts)
	}
	src, err := loadProfiles(paths, v)
	if err == nil && src.profile.Shard != nil {
		// Its sources name every file, by digest, but it saw only its row groups.
		sh := src.profile.Shard
		return nil, fmt.Errorf("%s: the profile of shard %d of %d of the data, not of all of it: merge every shard's profile (mlgate profile merge)", strings.Join(paths, ", "), sh.Index, sh.Count)
	}
	return src, err
}

func looksLikeParquet(path string) (bool, error) {
	if objstore.IsURL(path) {
		return true, nil // remote data is Parquet; profiles are local files
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil {
		return false, nil // too short for Parquet: reading it as a profile says what is wrong
	}
	return string(head) == "PAR1", nil
}

func loadParquet(ctx context.Context, remote *Remote, paths []string, opts profile.ScanOptions) (*profileSource, error) {
	if len(paths) == 0 {
		return nil, remote.noData()
	}
	src := &profileSource{name: remote.datasetName(paths)}
	files, err := remote.OpenAll(ctx, paths)
	if err != nil {
		return nil, err
	}
	defer parquetx.CloseAll(files)
	for i, f := range files {
		p := paths[i]
		src.files = append(src.files, evidence.File{Path: p, Size: f.Size})
		for _, w := range f.Warnings {
			src.checks = append(src.checks, evidence.Check{ID: "profile.file", Status: evidence.StatusWarn,
				Severity: evidence.SeverityWarn, Message: w, Location: &evidence.Location{File: p}})
		}
	}
	prof, skipped, err := profile.Scan(ctx, files, opts)
	if err != nil {
		return nil, err
	}
	remote.Record(src.files)
	for _, s := range skipped {
		src.checks = append(src.checks, evidence.Check{ID: "profile.column." + s.Column, Status: evidence.StatusWarn,
			Severity: evidence.SeverityWarn, Message: "not profiled: " + s.Reason, Location: &evidence.Location{Column: s.Column}})
	}
	src.profile = prof
	return src, nil
}

// loadProfiles reads profiles, each once; with a verifier each must be
// signed evidence. The source's files are the profiles, by digest.
func loadProfiles(paths []string, v evidence.Verifier) (*profileSource, error) {
	src := &profileSource{name: (*Remote)(nil).datasetName(paths)}
	var parts []*profile.Profile
	for _, p := range paths {
		l, err := profile.Load(p, v)
		if err != nil {
			return nil, err
		}
		parts = append(parts, l.Profile)
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		src.files = append(src.files, evidence.File{Path: p, Size: st.Size(), Digest: map[string]string{"sha256": l.Digest}})
		src.profiles = append(src.profiles, evidence.File{Path: p, Digest: map[string]string{"sha256": l.Digest}})
	}
	if len(parts) == 1 {
		src.profile = parts[0]
		return src, nil
	}
	merged, err := profile.Merge(parts...)
	if err != nil {
		return nil, fmt.Errorf("merging %s: %w", strings.Join(paths, ", "), err)
	}
	src.profile = merged
	return src, nil
}

// datasetName names a set of inputs for the evidence subject: a table's
// live files by the table (its location at its version), then the first
// name and how many more.
func (r *Remote) datasetName(paths []string) string {
	if r != nil {
		var names []string
		seen := map[string]bool{}
		r.mu.Lock()
		for _, p := range paths {
			name := p
			if tvs := r.tables[p]; len(tvs) > 0 {
				tv := tvs[len(tvs)-1]
				name = fmt.Sprintf("%s@%d", tv.Location, tv.Version)
			}
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
		if len(paths) == 0 { // an incremental check with nothing added
			for _, s := range r.snaps {
				names = append(names, fmt.Sprintf("%s@%d", s.Location, s.Version))
			}
		}
		r.mu.Unlock()
		paths = names
	}
	switch len(paths) {
	case 0:
		return ""
	case 1:
		return paths[0]
	}
	return fmt.Sprintf("%s and %d more", paths[0], len(paths)-1)
}

// ParseShard reads a shard as "I/N" (0 <= I < N); "" means the whole dataset.
func ParseShard(s string) (*profile.Shard, error) {
	if s == "" {
		return nil, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("shard %q: want I/N with 0 <= I < N, e.g. 0/4 for the first of four shards", s)
	}
	return &profile.Shard{Index: i, Count: n}, nil
}
