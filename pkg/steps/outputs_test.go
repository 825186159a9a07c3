package steps

import (
	"maps"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

func TestOutputs(t *testing.T) {
	tool := evidence.Tool{Name: "mlgate", Version: "test"}
	doc := func(kind evidence.Kind, details evidence.Details) *evidence.Document {
		d := evidence.New(kind, evidence.Subject{Name: "x", Digest: map[string]string{"sha256": "ab"}}, tool, time.Unix(0, 0))
		d.Details = details
		return d
	}
	diff := doc(evidence.KindContractDiff, nil)
	diff.Add(evidence.Check{ID: "a", Status: evidence.StatusFail})
	diff.Add(evidence.Check{ID: "b", Status: evidence.StatusFail})
	cases := []struct {
		doc  *evidence.Document
		want map[string]string
	}{
		{doc(evidence.KindDataValidation, evidence.ValidationDetails{Rows: 8378}), map[string]string{"rows": "8378"}},
		{doc(evidence.KindPromotionDecision, evidence.PromotionDetails{Promote: true}), map[string]string{"promote": "true"}},
		{diff, map[string]string{"breaking": "2"}},
		{doc(evidence.KindSignature, nil), map[string]string{"digest": "sha256:ab"}},
		{doc(evidence.KindVerification, nil), map[string]string{}},
	}
	for _, c := range cases {
		if got := Outputs(c.doc); !maps.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.doc.Kind, got, c.want)
		}
	}
}

// A column name may hold the list's separator, the escape or a line break:
// each is percent-encoded, so drifted-columns splits back into the names.
func TestDriftedColumnsOutputIsEscaped(t *testing.T) {
	if got := joinOutputList([]string{"a,b", "c%d", "e\nf", "g"}); got != "a%2Cb,c%25d,e%0Af,g" {
		t.Fatalf("joinOutputList = %q", got)
	}
}
