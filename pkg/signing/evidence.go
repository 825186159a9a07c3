package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
)

// EvidencePredicateType is the in-toto predicate type of a signed evidence
// document: the predicate is the document itself.
const EvidencePredicateType = "https://mlgate.dev/evidence/v1"

// EvidenceBundleSuffix names an evidence document's signature: the bundle of
// evidence.json is evidence.json.sigstore.json, beside it, so it travels with
// the document (one artifact) and a consumer finds it without being told.
const EvidenceBundleSuffix = ".sigstore.json"

// EvidenceBundlePath is where the signature of the evidence at path is.
func EvidenceBundlePath(path string) string { return path + EvidenceBundleSuffix }

// maxEvidenceSize bounds a signed evidence document, as evidence.Read does.
const maxEvidenceSize = 64 << 20

// Subjects says what a document is about: the subjects of its statement
// after the document itself.
type Subjects func(doc []byte) ([]evidence.File, error)

// EvidenceSubjects is what an evidence document is about: its subject's
// digest and the digests of its files.
func EvidenceSubjects(doc []byte) ([]evidence.File, error) {
	d, err := evidence.Parse(doc)
	if err != nil {
		return nil, err
	}
	var about []evidence.File
	if len(d.Subject.Digest) > 0 {
		about = append(about, evidence.File{Path: d.Subject.Name, Digest: d.Subject.Digest})
	}
	return append(about, d.Subject.Files...), nil
}

// EvidenceStatement renders an evidence document (its exact bytes, as
// written) as an in-toto statement; see DocumentStatement.
func EvidenceStatement(name string, doc []byte) ([]byte, error) {
	return DocumentStatement(name, doc, EvidenceSubjects)
}

// DocumentStatement renders a JSON document mlgate wrote (evidence, a
// profile) as an in-toto statement whose predicate is the document itself.
// Its first subject is the document (name: the file's base name, digest: the
// sha256 of its bytes), so 'cosign verify-blob-attestation --bundle
// ev.json.sigstore.json ev.json' verifies it; the others are what about says
// it is about, those with a digest.
func DocumentStatement(name string, doc []byte, about Subjects) ([]byte, error) {
	files, err := about(doc)
	if err != nil {
		return nil, fmt.Errorf("signing evidence %s: %w", name, err)
	}
	var pred bytes.Buffer
	if err := json.Compact(&pred, doc); err != nil {
		return nil, fmt.Errorf("signing evidence %s: %w", name, err)
	}
	sum := sha256.Sum256(doc)
	subjects := []subject{{Name: filepath.Base(name), Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}}
	for _, f := range files {
		if len(f.Digest) > 0 {
			subjects = append(subjects, subject{Name: f.Path, Digest: f.Digest})
		}
	}
	st := statement{Type: StatementType, Subject: subjects, PredicateType: EvidencePredicateType, Predicate: pred.Bytes()}
	return json.Marshal(st)
}

// SignEvidence signs the evidence document at path and writes its bundle
// beside it (EvidenceBundlePath). It signs the bytes it read, so what is
// signed is exactly what a consumer reads back.
func (s *Signer) SignEvidence(ctx context.Context, path string) (*Signed, error) {
	return s.SignDocument(ctx, path, EvidenceSubjects)
}

// SignDocument is SignEvidence for any JSON document mlgate writes (a
// profile): about names what it is about.
func (s *Signer) SignDocument(ctx context.Context, path string, about Subjects) (*Signed, error) {
	doc, err := readEvidenceFile(path)
	if err != nil {
		return nil, err
	}
	st, err := DocumentStatement(path, doc, about)
	if err != nil {
		return nil, err
	}
	signed, err := s.SignStatement(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("signing evidence %s: %w", path, err)
	}
	bundlePath := EvidenceBundlePath(path)
	if st, err := os.Lstat(bundlePath); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("evidence bundle %s exists and is not a regular file: not replacing it", bundlePath)
	}
	plan := outfile.NewPlan(nil)
	plan.Input("evidence", path)
	out := plan.Output("evidence bundle", bundlePath)
	if err := plan.Check(); err != nil {
		return nil, err
	}
	if err := out.Write(signed.Bundle); err != nil {
		return nil, err
	}
	return signed, nil
}

// EvidenceVerifier accepts evidence only when the bundle beside it
// (EvidenceBundlePath) verifies against Trust, carries the mlgate evidence
// predicate, names the document's sha256 as a subject and holds the document
// itself as predicate. It is the evidence.Verifier of signed evidence: with
// evidence.Load the document used is parsed from the very bytes checked.
type EvidenceVerifier struct{ Trust Trust }

// VerifyEvidence implements evidence.Verifier.
func (ev EvidenceVerifier) VerifyEvidence(path string, data []byte) (*evidence.Signer, error) {
	v, err := VerifyEvidence(path, data, ev.Trust)
	if err != nil {
		return nil, err
	}
	return &v.Signer, nil
}

// ReadSignedEvidence loads the evidence at path, read once, accepted only
// when signed as EvidenceVerifier requires. Errors name the file.
func ReadSignedEvidence(path string, trust Trust) (*evidence.Loaded, error) {
	return evidence.Load(path, EvidenceVerifier{trust})
}

// VerifyEvidence checks the signature of the evidence bytes doc read from
// path (see EvidenceVerifier).
func VerifyEvidence(path string, doc []byte, trust Trust) (*Verified, error) {
	bundlePath := EvidenceBundlePath(path)
	data, err := ReadBundle(bundlePath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("evidence %s is not signed: no bundle %s", path, bundlePath)
		}
		return nil, fmt.Errorf("evidence %s: %w", path, err)
	}
	sum := sha256.Sum256(doc)
	v, err := VerifyBundle(data, trust, &Artifact{Digest: sum[:]})
	if err != nil {
		return nil, fmt.Errorf("evidence %s: signature %s does not verify: %w", path, bundlePath, err)
	}
	if v.PayloadType != InTotoPayloadType {
		return nil, fmt.Errorf("evidence %s: bundle %s holds no in-toto attestation", path, bundlePath)
	}
	var st statement
	if err := json.Unmarshal(v.Payload, &st); err != nil {
		return nil, fmt.Errorf("evidence %s: bundle %s: attestation is not an in-toto statement: %w", path, bundlePath, err)
	}
	if st.Type != StatementType || st.PredicateType != EvidencePredicateType {
		return nil, fmt.Errorf("evidence %s: bundle %s attests %q (statement %q), not mlgate evidence (%s)", path, bundlePath, st.PredicateType, st.Type, EvidencePredicateType)
	}
	// The digest subject already binds the bytes; the predicate must be the
	// same document too, so nothing else rides along under the signature.
	var want, got bytes.Buffer
	if json.Compact(&want, doc) != nil || json.Compact(&got, st.Predicate) != nil || !bytes.Equal(want.Bytes(), got.Bytes()) {
		return nil, fmt.Errorf("evidence %s: the signed document in %s differs from the file", path, bundlePath)
	}
	return v, nil
}

func readEvidenceFile(path string) ([]byte, error) {
	doc, err := readlimit.ReadFile(path, maxEvidenceSize, "an evidence document")
	if err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	return doc, nil
}
