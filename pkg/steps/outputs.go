package steps

import (
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/pkg/drift"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// Outputs are the step outputs a document gives a workflow, by kind, beside
// the status, evidence and failures every step sets: rows of a validation,
// drifted and drifted-columns of a drift report, promote of a decision,
// breaking of a contract diff, the model digest of a signature or attestation,
// the bundle file of a signature, attestation or verification, the profile file.
func Outputs(doc *evidence.Document) map[string]string {
	switch doc.Kind {
	case evidence.KindDataValidation:
		d, _ := evidence.DetailsOf[evidence.ValidationDetails](doc)
		return map[string]string{"rows": strconv.FormatInt(d.Rows, 10)}
	case evidence.KindDriftReport:
		d, _ := evidence.DetailsOf[evidence.DriftDetails](doc)
		rep := drift.Report{Details: d}
		return map[string]string{"drifted": strconv.FormatBool(d.Drifted), "drifted-columns": joinOutputList(rep.DriftedColumns())}
	case evidence.KindPromotionDecision:
		return map[string]string{"promote": strconv.FormatBool(Promote(doc))}
	case evidence.KindContractDiff:
		return map[string]string{"breaking": strconv.Itoa(Breaking(doc))}
	case evidence.KindSignature, evidence.KindAttestation:
		return withBundle(doc, map[string]string{"digest": "sha256:" + doc.Subject.Digest["sha256"]})
	case evidence.KindVerification:
		return withBundle(doc, map[string]string{})
	case evidence.KindProfile:
		if d, _ := evidence.DetailsOf[evidence.ProfileDetails](doc); d.Profile != "" && d.Profile != "-" {
			return map[string]string{"profile": d.Profile}
		}
	}
	return map[string]string{}
}

// withBundle adds the bundle file a signature, attestation or verification
// wrote or read (none for a registry's referrers).
func withBundle(doc *evidence.Document, out map[string]string) map[string]string {
	if d, _ := evidence.DetailsOf[evidence.SignatureDetails](doc); d.Bundle != "" {
		out["bundle"] = d.Bundle
	}
	return out
}

// outputListEscaper percent-encodes what would break a comma-separated step
// output: the separator itself, the escape character and line breaks.
var outputListEscaper = strings.NewReplacer("%", "%25", ",", "%2C", "\r", "%0D", "\n", "%0A")

func joinOutputList(items []string) string {
	escaped := make([]string, len(items))
	for i, s := range items {
		escaped[i] = outputListEscaper.Replace(s)
	}
	return strings.Join(escaped, ",")
}
