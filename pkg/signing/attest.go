package signing

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// VSAPredicateType is the SLSA verification summary predicate a promotion
// attestation carries.
const VSAPredicateType = "https://slsa.dev/verification_summary/v1"

// VSA results.
const (
	ResultPassed = "PASSED"
	ResultFailed = "FAILED"
)

// PromotedLevel is the verified level a passed gate grants, so a deploy policy
// can require it by name.
const PromotedLevel = "MLGATE_PROMOTION_PASSED"

// Ref names one input by location (or name) and digest: an in-toto
// ResourceDescriptor.
type Ref struct {
	URI    string            `json:"uri,omitempty"`
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
	// Annotations say more about the input (a table's format and version).
	Annotations map[string]any `json:"annotations,omitempty"`
}

// Lineage is where a promoted model came from: the datasets that were
// validated, the code commit, and the metrics and policies that decided.
type Lineage struct {
	Datasets []Ref `json:"datasets,omitempty"`
	Metrics  []Ref `json:"metrics,omitempty"`
	Policies []Ref `json:"policies,omitempty"`
	Code     *Code `json:"code,omitempty"`
	// Evidence lists the evidence documents the gate read.
	Evidence []evidence.EvidenceRef `json:"evidence,omitempty"`
}

// Code is the source commit.
type Code struct {
	Repository string `json:"repository,omitempty"`
	Commit     string `json:"commit,omitempty"`
}

// Promotion is what a promotion attestation states about one model.
type Promotion struct {
	ModelName   string
	ModelDigest []byte
	// Hashing is how ModelDigest was computed, so a verifier recomputes it
	// the same way and ignores no more than was ignored here.
	Hashing *evidence.Hashing
	// ResourceURI names the model as a URI (the VSA's resourceUri).
	ResourceURI string
	// Policy is the gate file that decided, by URI and digest.
	Policy Ref
	// Decision is the gate's evidence (PromotionDecision);
	// Inputs are the decision and every evidence document it read, by digest.
	Decision *evidence.Document
	Inputs   []Ref
	Verifier evidence.Tool
	Time     time.Time
	Lineage  Lineage
}

type vsaPredicate struct {
	Verifier struct {
		ID      string            `json:"id"`
		Version map[string]string `json:"version,omitempty"`
	} `json:"verifier"`
	TimeVerified       string     `json:"timeVerified"`
	ResourceURI        string     `json:"resourceUri"`
	Policy             Ref        `json:"policy"`
	InputAttestations  []Ref      `json:"inputAttestations,omitempty"`
	VerificationResult string     `json:"verificationResult"`
	VerifiedLevels     []string   `json:"verifiedLevels"`
	SlsaVersion        string     `json:"slsaVersion"`
	MLGate             *vsaMLGate `json:"mlgate,omitempty"`
}

// vsaMLGate is mlgate's extension of the VSA: the decision, how the model
// digest was computed, and the lineage.
type vsaMLGate struct {
	Decision struct {
		Kind    evidence.Kind   `json:"kind"`
		Status  evidence.Status `json:"status"`
		Summary string          `json:"summary"`
	} `json:"decision"`
	Hashing *evidence.Hashing `json:"hashing,omitempty"`
	Lineage Lineage           `json:"lineage"`
}

// Statement renders the promotion as an in-toto statement over the model's
// subject digest with a SLSA verification summary predicate.
func (p Promotion) Statement() ([]byte, error) {
	if p.Decision == nil {
		return nil, fmt.Errorf("a promotion attestation needs the gate's decision")
	}
	if u, err := url.Parse(p.ResourceURI); err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("resource URI %q is not a URI", p.ResourceURI)
	}
	if u, err := url.Parse(p.Policy.URI); err != nil || u.Scheme == "" || len(p.Policy.Digest) == 0 {
		return nil, fmt.Errorf("policy %q needs a URI and a digest", p.Policy.URI)
	}
	var pred vsaPredicate
	pred.Verifier.ID = "https://github.com/mlgate/mlgate"
	pred.Verifier.Version = map[string]string{p.Verifier.Name: p.Verifier.Version}
	pred.TimeVerified = p.Time.UTC().Format(time.RFC3339)
	pred.ResourceURI = p.ResourceURI
	pred.Policy = p.Policy
	// The spec: verifiedLevels is the levels verified, or FAILED.
	pred.VerificationResult, pred.VerifiedLevels = ResultFailed, []string{ResultFailed}
	if !p.Decision.Status.Failed() {
		pred.VerificationResult, pred.VerifiedLevels = ResultPassed, []string{PromotedLevel}
	}
	pred.SlsaVersion = "1.0"
	pred.InputAttestations = p.Inputs
	ext := &vsaMLGate{Lineage: p.Lineage, Hashing: p.Hashing}
	ext.Decision.Kind, ext.Decision.Status, ext.Decision.Summary = p.Decision.Kind, p.Decision.Status, p.Decision.Summary
	pred.MLGate = ext
	return encodeStatement(p.ModelName, p.ModelDigest, VSAPredicateType, pred)
}

// PromotionSummary is what verify --attestation reads back from a signed promotion.
type PromotionSummary struct {
	SubjectName   string
	SubjectDigest string
	Result        string
	Levels        []string
	ResourceURI   string
	Policy        Ref
	Inputs        []Ref
	Decision      evidence.Status
	Hashing       *evidence.Hashing
	Lineage       Lineage
}

// ParsePromotion reads a promotion attestation's statement.
func ParsePromotion(payload []byte) (*PromotionSummary, error) {
	var st statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("attestation is not an in-toto statement: %w", err)
	}
	// cosign v2 attest writes Statement v0.1; its subject and predicate have
	// the same layout as v1's.
	if st.Type != StatementType && st.Type != StatementTypeV01 {
		return nil, fmt.Errorf("attestation is an in-toto statement of type %q; mlgate reads %q and %q", st.Type, StatementType, StatementTypeV01)
	}
	if st.PredicateType != VSAPredicateType {
		return nil, fmt.Errorf("attestation has predicate type %q, want %q", st.PredicateType, VSAPredicateType)
	}
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("attestation must have exactly one subject, has %d", len(st.Subject))
	}
	var pred vsaPredicate
	if err := json.Unmarshal(st.Predicate, &pred); err != nil {
		return nil, fmt.Errorf("verification summary predicate: %w", err)
	}
	out := &PromotionSummary{
		SubjectName: st.Subject[0].Name, SubjectDigest: st.Subject[0].Digest["sha256"],
		Result: pred.VerificationResult, Levels: pred.VerifiedLevels,
		ResourceURI: pred.ResourceURI, Policy: pred.Policy, Inputs: pred.InputAttestations,
	}
	if pred.MLGate != nil {
		out.Decision, out.Lineage, out.Hashing = pred.MLGate.Decision.Status, pred.MLGate.Lineage, pred.MLGate.Hashing
	}
	return out, nil
}
