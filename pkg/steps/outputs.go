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
// breaking of a contract diff, the model digest of a signature or attestation.
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
		return map[string]string{"digest": "sha256:" + doc.Subject.Digest["sha256"]}
	}
	return map[string]string{}
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
