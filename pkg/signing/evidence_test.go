package signing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// swapAfterVerify is the attacker of a time-of-check/time-of-use race,
// without timing: the moment the real verifier has accepted the bytes, it
// replaces the file with another valid (unsigned) document, as a concurrent
// writer could. A reader that reads the file again after the check would
// take the swapped document.
type swapAfterVerify struct {
	v       evidence.Verifier
	swapped []byte
	seen    []byte
}

func (s *swapAfterVerify) VerifyEvidence(path string, data []byte) (*evidence.Signer, error) {
	signer, err := s.v.VerifyEvidence(path, data)
	if err != nil {
		return nil, err
	}
	s.seen = append([]byte(nil), data...)
	return signer, os.WriteFile(path, s.swapped, 0o644)
}

// testEvidence writes a passing DataValidation and signs it with the test key.
func testEvidence(t *testing.T) (path string, trust Trust) {
	t.Helper()
	ctx := context.Background()
	started := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "data",
		Files: []evidence.File{{Path: "a.parquet", Digest: map[string]string{"sha256": strings.Repeat("ab", 32)}}}},
		evidence.Tool{Name: "mlgate", Version: "test"}, started)
	d.Add(evidence.Check{ID: "rows.min", Status: evidence.StatusPass, Message: "enough rows"})
	d.Finish(started)
	path = filepath.Join(t.TempDir(), "validation.json")
	if err := evidence.Write(path, d); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join("..", "..", "testdata", "signing")
	signer, err := NewKeySigner(ctx, filepath.Join(keys, "test.key"), func() ([]byte, error) { return []byte("mlgate-test"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signer.SignEvidence(ctx, path); err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(ctx, filepath.Join(keys, "test.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return path, Trust{PublicKey: pub}
}

// TestSignedEvidenceIsUsedAsVerified: the document, digest and signer
// evidence.Load returns come from the bytes whose signature was checked, even
// when the file is replaced right after the check.
func TestSignedEvidenceIsUsedAsVerified(t *testing.T) {
	path, trust := testEvidence(t)
	signed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	swapped := strings.Replace(string(signed), `"status": "pass"`, `"status": "warn"`, 1)
	swapped = strings.Replace(swapped, `"name": "data"`, `"name": "other data"`, 1)
	attacker := &swapAfterVerify{v: EvidenceVerifier{trust}, swapped: []byte(swapped)}

	l, err := evidence.Load(path, attacker)
	if err != nil {
		t.Fatal(err)
	}
	now, _ := os.ReadFile(path)
	if string(now) != swapped {
		t.Fatal("the file was not swapped: the test proves nothing")
	}
	if string(attacker.seen) != string(signed) {
		t.Fatal("the verifier did not see the signed bytes")
	}
	sum := sha256.Sum256(signed)
	if l.Document.Subject.Name != "data" || l.Document.Status != evidence.StatusPass || l.Digest != hex.EncodeToString(sum[:]) {
		t.Fatalf("used a document other than the verified one: subject %q, status %s, digest %s", l.Document.Subject.Name, l.Document.Status, l.Digest)
	}
	if l.Signer == nil || l.Signer.Key != Fingerprint(trust.PublicKey) {
		t.Fatalf("signer %+v, want key %s", l.Signer, Fingerprint(trust.PublicKey))
	}
	ref := l.Ref()
	if ref.Signer != l.Signer || ref.Digest["sha256"] != l.Digest || ref.Path != path {
		t.Fatalf("ref %+v", ref)
	}

	// The swapped file on its own is refused: its bytes are not the signed ones.
	if _, err := ReadSignedEvidence(path, trust); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("the swapped document must be refused naming the file, got %v", err)
	}
}
