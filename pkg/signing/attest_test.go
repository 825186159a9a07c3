package signing

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// TestPromotionStatementIsAVSA: the predicate follows the SLSA verification
// summary spec: verifiedLevels [FAILED] for a failed decision, resourceUri and
// policy.uri URIs, inputAttestations the given inputs, lineage in mlgate's own field.
func TestPromotionStatementIsAVSA(t *testing.T) {
	decision := evidence.New(evidence.KindPromotionDecision, evidence.Subject{Name: "m"}, evidence.Tool{Name: "mlgate", Version: "test"}, time.Now())
	decision.Add(evidence.Check{ID: "metric.auc", Status: evidence.StatusFail, Message: "low"})
	p := Promotion{
		ModelName: "m", ModelDigest: make([]byte, 32), Hashing: &evidence.Hashing{Method: MethodFiles},
		ResourceURI: "git+https://github.com/acme/m@abc#model", Policy: Ref{URI: "git+https://github.com/acme/m@abc#gate.yaml", Digest: map[string]string{"sha256": "ab"}},
		Decision: decision, Inputs: []Ref{{Name: "decision.json", Digest: map[string]string{"sha256": "cd"}}},
		Time: time.Now(), Lineage: Lineage{Datasets: []Ref{{URI: "data/a.parquet", Digest: map[string]string{"sha256": "ef"}}}},
	}
	data, err := p.Statement()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate struct {
			VerificationResult string          `json:"verificationResult"`
			VerifiedLevels     []string        `json:"verifiedLevels"`
			InputAttestations  []Ref           `json:"inputAttestations"`
			MLGate             json.RawMessage `json:"mlgate"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	pr := st.Predicate
	if pr.VerificationResult != ResultFailed || len(pr.VerifiedLevels) != 1 || pr.VerifiedLevels[0] != "FAILED" {
		t.Fatalf("result %s, levels %v", pr.VerificationResult, pr.VerifiedLevels)
	}
	if len(pr.InputAttestations) != 1 || pr.InputAttestations[0].Name != "decision.json" || !strings.Contains(string(pr.MLGate), `"datasets"`) {
		t.Fatalf("inputs %+v, mlgate %s", pr.InputAttestations, pr.MLGate)
	}
	sum, err := ParsePromotion(data)
	if err != nil || sum.Hashing == nil || sum.ResourceURI != p.ResourceURI || sum.Policy.URI != p.Policy.URI {
		t.Fatalf("parsed %+v, %v", sum, err)
	}
	for _, bad := range []func(*Promotion){
		func(p *Promotion) { p.ResourceURI = "model" },
		func(p *Promotion) { p.Policy.URI = "gate.yaml" },
		func(p *Promotion) { p.Policy.Digest = nil },
	} {
		q := p
		bad(&q)
		if _, err := q.Statement(); err == nil {
			t.Errorf("accepted %+v", q)
		}
	}
}
