package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/mlgate/mlgate/pkg/outfile"
)

// maxDocumentSize bounds what Read accepts, so a wrong file given as evidence
// (a Parquet file, a model) fails fast instead of being read whole.
const maxDocumentSize = 64 << 20

// Marshal renders the document as indented JSON with a trailing newline.
func Marshal(d *Document) ([]byte, error) {
	if err := d.checkDetails(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encoding %s evidence: %w", d.Kind, err)
	}
	return buf.Bytes(), nil
}

// Write stores the document at path through the one output writer
// (pkg/outfile), for callers with no other inputs or outputs to declare; the
// commands plan their outputs themselves.
func Write(path string, d *Document) error {
	data, err := Marshal(d)
	if err != nil {
		return err
	}
	p := outfile.NewPlan(nil)
	out := p.Output("evidence", path)
	if err := p.Check(); err != nil {
		return err
	}
	return out.Write(data)
}

// Read loads and validates one evidence document. Errors name the file.
func Read(path string) (*Document, error) {
	l, err := Load(path, nil)
	if err != nil {
		return nil, err
	}
	return l.Document, nil
}

// ReadDigest is Read that also returns the hex sha256 of the bytes it parsed,
// so a decision can name each document it read by digest.
func ReadDigest(path string) (*Document, string, error) {
	l, err := Load(path, nil)
	if err != nil {
		return nil, "", err
	}
	return l.Document, l.Digest, nil
}

// Loaded is one evidence document as read: the document, the digest and the
// signer all come from the same bytes, read once.
type Loaded struct {
	Path     string
	Document *Document
	// Digest is the hex sha256 of the bytes Document was parsed from.
	Digest string
	// Signer is who vouched for those bytes, when a Verifier checked them.
	Signer *Signer
}

// Ref names the loaded document for a decision: kind, subject, status, path,
// digest and, when its signature was checked, its signer.
func (l *Loaded) Ref() EvidenceRef {
	d := l.Document
	return EvidenceRef{Kind: d.Kind, Subject: d.Subject.Name, Status: d.Status, Path: l.Path,
		Digest: map[string]string{"sha256": l.Digest}, Signer: l.Signer}
}

// Verifier checks the exact bytes of an evidence document read from path
// before they are parsed, and says who vouched for them (a signature's
// signer). It must judge only the bytes it is given, never read path again.
type Verifier interface {
	VerifyEvidence(path string, data []byte) (*Signer, error)
}

// Load reads the evidence at path once and returns the document parsed from
// those bytes, their digest and, with a verifier, who vouched for them. There
// is no second read a swapped file could change between the check and the use.
func Load(path string, v Verifier) (*Loaded, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	defer f.Close()
	return LoadFrom(path, f, v)
}

// LoadFrom is Load from a reader, consumed once; path names it in errors and
// to the verifier.
func LoadFrom(path string, r io.Reader, v Verifier) (*Loaded, error) {
	data, err := readlimit.Read(r, path, maxDocumentSize, "an evidence document")
	if err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	l := &Loaded{Path: path}
	if v != nil {
		if l.Signer, err = v.VerifyEvidence(path, data); err != nil {
			return nil, err
		}
	}
	if l.Document, err = Parse(data); err != nil {
		return nil, fmt.Errorf("evidence %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	l.Digest = hex.EncodeToString(sum[:])
	return l, nil
}

// LoadAll loads several documents with one verifier, stopping at the first
// bad one.
func LoadAll(paths []string, v Verifier) ([]*Loaded, error) {
	out := make([]*Loaded, 0, len(paths))
	for _, p := range paths {
		l, err := Load(p, v)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Parse decodes and validates a document: it must be JSON of apiVersion
// mlgate.dev/v1, of a known kind, valid against the evidence JSON Schema, and
// claim no better than its checks (see Reconcile).
func Parse(data []byte) (*Document, error) {
	var probe struct {
		APIVersion string `json:"apiVersion"`
		Kind       Kind   `json:"kind"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not a JSON evidence document: %w", err)
	}
	if probe.APIVersion != APIVersion {
		return nil, fmt.Errorf("apiVersion %q is not supported (want %q)", probe.APIVersion, APIVersion)
	}
	if !probe.Kind.Known() {
		return nil, fmt.Errorf("unknown kind %q", probe.Kind)
	}
	if err := ValidateSchema(data); err != nil {
		return nil, err
	}
	var d Document
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	if err := Reconcile(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Reconcile recomputes a document's status from its checks, and a decision's
// promote from its checks, and refuses a document that claims better: the
// status and the verdict are never taken on the document's word.
func Reconcile(d *Document) error {
	statuses := make([]Status, 0, len(d.Checks))
	var failed int
	for _, c := range d.Checks {
		statuses = append(statuses, c.Status)
		if c.Status.Failed() {
			failed++
		}
	}
	worst := Worst(statuses...)
	if d.Status.rank() < worst.rank() {
		return fmt.Errorf("%s evidence claims status %s but its checks say %s (%d of %d checks failed)", d.Kind, d.Status, worst, failed, len(d.Checks))
	}
	if d.Kind != KindPromotionDecision {
		return nil
	}
	pd, _ := DetailsOf[PromotionDetails](d)
	switch {
	case !pd.Promote:
		return nil
	case len(d.Checks) == 0:
		return fmt.Errorf("%s says promote but has no checks: nothing was decided", d.Kind)
	case failed > 0 || d.Status.Failed():
		return fmt.Errorf("%s says promote but its status is %s (%d of %d checks failed)", d.Kind, d.Status, failed, len(d.Checks))
	}
	return nil
}

// ReadAll reads several documents, stopping at the first bad one.
func ReadAll(paths []string) ([]*Document, error) {
	docs := make([]*Document, 0, len(paths))
	for _, p := range paths {
		d, err := Read(p)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}
