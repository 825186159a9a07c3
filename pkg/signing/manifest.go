package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The in-toto and model-signing identifiers of a model signature.
const (
	StatementType              = "https://in-toto.io/Statement/v1"
	StatementTypeV01           = "https://in-toto.io/Statement/v0.1"
	InTotoPayloadType          = "application/vnd.in-toto+json"
	ModelPredicateType         = "https://model_signing/signature/v1.0"
	legacyModelPredicate       = "https://model_signing/Digests/v0.1"
	MethodFiles                = "files"
	MethodShards               = "shards"
	DefaultShardSize     int64 = 1_000_000_000
)

// Manifest is what a model signature states: the digest of every file (or shard)
// under the model root and how they were computed.
type Manifest struct {
	// Name is the model's name (the folder or file name); informational only.
	Name          string
	Method        string
	ShardSize     int64
	AllowSymlinks bool
	// IgnorePaths are the model-relative paths left out when hashing. Recorded
	// is false for signatures made before model_signing 1.1, which did not record them.
	IgnorePaths []string
	Recorded    bool
	Resources   []Resource
	// Legacy marks the v0.1 predicate (per-file subjects, no root digest).
	Legacy bool
}

// Resource is one hashed file or shard. Name is a POSIX path relative to the
// model root ("." for a single-file model), plus ":start:end" for a shard.
type Resource struct {
	Name string
	// Path is the file the resource belongs to: Name without the shard range.
	Path      string
	Start     int64
	End       int64
	Algorithm string
	Digest    []byte
	// Size is the number of bytes hashed (not part of the signed statement).
	Size int64
}

// splitShard parses a shard resource name "path:start:end".
func splitShard(name string) (path string, start, end int64, ok bool) {
	i := strings.LastIndexByte(name, ':')
	if i <= 0 {
		return "", 0, 0, false
	}
	j := strings.LastIndexByte(name[:i], ':')
	if j < 0 {
		return "", 0, 0, false
	}
	s, err1 := strconv.ParseInt(name[j+1:i], 10, 64)
	e, err2 := strconv.ParseInt(name[i+1:], 10, 64)
	if err1 != nil || err2 != nil || s < 0 || e < s {
		return "", 0, 0, false
	}
	return name[:j], s, e, true
}

// RootDigest is the subject digest: SHA-256 over the raw resource digests in
// statement order (model_signing signing.py: Payload).
func (m *Manifest) RootDigest() []byte {
	h := sha256.New()
	for _, r := range m.Resources {
		h.Write(r.Digest)
	}
	return h.Sum(nil)
}

// algorithm is the resources' algorithm name for this manifest's method.
func (m *Manifest) algorithm() string {
	if m.Method == MethodShards {
		return fmt.Sprintf("sha256-sharded-%d", m.ShardSize)
	}
	return "sha256"
}

// sortResources orders resources as model_signing does: by path components
// (pathlib order, so "a/b" sorts before "a b"), then shard start and end as numbers.
func sortResources(rs []Resource) {
	parts := make([][]string, len(rs))
	idx := make([]int, len(rs))
	for i, r := range rs {
		parts[i] = strings.Split(r.Path, "/")
		idx[i] = i
	}
	sort.Slice(idx, func(x, y int) bool {
		i, j := idx[x], idx[y]
		if c := comparePaths(parts[i], parts[j]); c != 0 {
			return c < 0
		}
		if rs[i].Start != rs[j].Start {
			return rs[i].Start < rs[j].Start
		}
		return rs[i].End < rs[j].End
	})
	sorted := make([]Resource, len(rs))
	for n, i := range idx {
		sorted[n] = rs[i]
	}
	copy(rs, sorted)
}

// comparePaths compares paths component by component, as Python's PurePosixPath does.
func comparePaths(a, b []string) int {
	for n := 0; n < len(a) && n < len(b); n++ {
		if c := strings.Compare(a[n], b[n]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

type statement struct {
	Type          string          `json:"_type"`
	Subject       []subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

type subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

type modelPredicate struct {
	Serialization serialization      `json:"serialization"`
	Resources     []resourceDescript `json:"resources"`
}

type serialization struct {
	Method        string   `json:"method"`
	HashType      string   `json:"hash_type"`
	AllowSymlinks bool     `json:"allow_symlinks"`
	ShardSize     *float64 `json:"shard_size,omitempty"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

type resourceDescript struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

// Statement renders the manifest as the in-toto statement that is signed.
func (m *Manifest) Statement() ([]byte, error) {
	pred := modelPredicate{
		Serialization: serialization{
			Method:        m.Method,
			HashType:      "sha256",
			AllowSymlinks: m.AllowSymlinks,
			IgnorePaths:   m.IgnorePaths,
		},
		Resources: make([]resourceDescript, 0, len(m.Resources)),
	}
	if m.Method == MethodShards {
		size := float64(m.ShardSize)
		pred.Serialization.ShardSize = &size
	}
	for _, r := range m.Resources {
		pred.Resources = append(pred.Resources, resourceDescript{Name: r.Name, Algorithm: r.Algorithm, Digest: hex.EncodeToString(r.Digest)})
	}
	return encodeStatement(m.Name, m.RootDigest(), ModelPredicateType, pred)
}

// encodeStatement renders an in-toto statement with one subject, indented
// like model_signing's payloads.
func encodeStatement(name string, digest []byte, predicateType string, predicate any) ([]byte, error) {
	raw, err := json.Marshal(predicate)
	if err != nil {
		return nil, err
	}
	st := statement{
		Type:          StatementType,
		Subject:       []subject{{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(digest)}}},
		PredicateType: predicateType,
		Predicate:     raw,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ErrInconsistent is returned for a statement whose subject digest does not
// cover its resources: the signature is valid but the manifest lies.
var ErrInconsistent = errors.New("manifest is inconsistent: the subject digest does not match the listed resources")

// ParseStatement reads a signed model statement (v1.0, or the legacy v0.1
// predicate) and checks that its subject digest covers its resources.
func ParseStatement(payload []byte) (*Manifest, error) {
	var st statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("signed payload is not an in-toto statement: %w", err)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("signed payload has _type %q, want %q", st.Type, StatementType)
	}
	switch st.PredicateType {
	case ModelPredicateType:
		return parseV1(st)
	case legacyModelPredicate:
		return parseLegacy(st)
	}
	return nil, fmt.Errorf("signed statement has predicate type %q, not a model signature (%s)", st.PredicateType, ModelPredicateType)
}

func parseV1(st statement) (*Manifest, error) {
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("model statement must have exactly one subject, has %d", len(st.Subject))
	}
	var pred struct {
		Serialization struct {
			Method        string          `json:"method"`
			HashType      string          `json:"hash_type"`
			AllowSymlinks bool            `json:"allow_symlinks"`
			ShardSize     json.Number     `json:"shard_size"`
			IgnorePaths   json.RawMessage `json:"ignore_paths"`
		} `json:"serialization"`
		Resources []resourceDescript `json:"resources"`
	}
	dec := json.NewDecoder(bytes.NewReader(st.Predicate))
	dec.UseNumber()
	if err := dec.Decode(&pred); err != nil {
		return nil, fmt.Errorf("model predicate: %w", err)
	}
	s := pred.Serialization
	m := &Manifest{Name: st.Subject[0].Name, Method: s.Method, AllowSymlinks: s.AllowSymlinks}
	switch s.Method {
	case MethodFiles:
	case MethodShards:
		f, err := strconv.ParseFloat(string(s.ShardSize), 64)
		if err != nil || f <= 0 || f != math.Trunc(f) {
			return nil, fmt.Errorf("model predicate: shard_size %q is not a positive integer", s.ShardSize)
		}
		m.ShardSize = int64(f)
	default:
		return nil, fmt.Errorf("model predicate: serialization method %q is not files or shards", s.Method)
	}
	if len(s.IgnorePaths) > 0 && string(s.IgnorePaths) != "null" {
		if err := json.Unmarshal(s.IgnorePaths, &m.IgnorePaths); err != nil {
			return nil, fmt.Errorf("model predicate: ignore_paths: %w", err)
		}
		m.Recorded = true
	}
	for _, r := range pred.Resources {
		d, err := hex.DecodeString(r.Digest)
		if err != nil {
			return nil, fmt.Errorf("model predicate: resource %q: digest is not hex", r.Name)
		}
		res := Resource{Name: r.Name, Path: r.Name, Algorithm: r.Algorithm, Digest: d}
		if m.Method == MethodShards {
			path, start, end, ok := splitShard(r.Name)
			if !ok {
				return nil, fmt.Errorf("model predicate: shard resource %q is not path:start:end", r.Name)
			}
			res.Path, res.Start, res.End = path, start, end
		}
		m.Resources = append(m.Resources, res)
	}
	want, err := hex.DecodeString(st.Subject[0].Digest["sha256"])
	if err != nil || !bytes.Equal(want, m.RootDigest()) {
		return nil, ErrInconsistent
	}
	return m, nil
}

// parseLegacy reads the v0.1 predicate (model_signing 0.2): one subject per
// file, each with its sha256, and no root digest.
func parseLegacy(st statement) (*Manifest, error) {
	m := &Manifest{Method: MethodFiles, Legacy: true}
	for _, s := range st.Subject {
		d, err := hex.DecodeString(s.Digest["sha256"])
		if err != nil || len(d) != sha256.Size {
			return nil, fmt.Errorf("legacy model statement: subject %q has no sha256 digest", s.Name)
		}
		m.Resources = append(m.Resources, Resource{Name: s.Name, Path: s.Name, Algorithm: "sha256", Digest: d})
	}
	return m, nil
}
