// Command demogen lays out the demo repository for `make demo` and for the
// example workflows' end-to-end test, as a team using mlgate would have it:
//
//	data/reference/part-0.parquet  the training data (reference)
//	data/current/part-0.parquet    this week's data: incomes shifted, a new country
//	model/                         a small safetensors model with its model card
//	metrics/candidate.json         the candidate's evaluation
//	metrics/baseline.json          the production model's evaluation
//	contracts/features.yaml        the data contract of the feature table
//	gate.yaml                      the promotion gate
//	drift.yaml                     drift settings (the id column is left out)
//	cosign.key, cosign.pub         a cosign key pair (password in -password)
//	mlgate-policy.yaml             settings of the policy library (the expected signer)
//
// Data and model are generated from fixed seeds, so the demo is the same on
// every machine; the key pair is new each time.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/mlgate/mlgate/pkg/signing"
)

// featureRow is one row of the demo's loan-application feature table.
type featureRow struct {
	ID          int64     `parquet:"id"`
	Segment     string    `parquet:"segment,dict,zstd"`
	Country     string    `parquet:"country,dict,zstd"`
	Email       string    `parquet:"email,zstd"`
	Income      *float64  `parquet:"income,optional,zstd"`
	Age         int32     `parquet:"age"`
	CreditScore int32     `parquet:"credit_score"`
	Active      bool      `parquet:"active"`
	AppliedAt   time.Time `parquet:"applied_at,timestamp(millisecond)"`
}

func main() {
	out := flag.String("out", "demo/out", "folder to lay the demo repository out in")
	rows := flag.Int("rows", 50_000, "rows per table")
	password := flag.String("password", "demo", "password of the generated cosign key")
	flag.Parse()
	if err := generate(*out, *rows, *password); err != nil {
		fmt.Fprintln(os.Stderr, "demogen:", err)
		os.Exit(2)
	}
}

func generate(out string, rows int, password string) error {
	for _, dir := range []string{"data/reference", "data/current", "model", "metrics", "contracts"} {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return err
		}
	}
	if err := writeTable(filepath.Join(out, "data", "reference", "part-0.parquet"), rows, 1, false); err != nil {
		return err
	}
	if err := writeTable(filepath.Join(out, "data", "current", "part-0.parquet"), rows, 2, true); err != nil {
		return err
	}
	// An ECDSA P-256 pair, as cosign generate-key-pair makes.
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating the demo key pair: %w", err)
	}
	privPEM, err := signing.EncryptCosignKey(priv, []byte(password))
	if err != nil {
		return fmt.Errorf("encrypting the demo key: %w", err)
	}
	pubPEM, err := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return err
	}
	fingerprint := signing.Fingerprint(priv.Public())
	files := map[string]string{
		"model/config.json":       `{"architecture": "gradient-boosted-trees", "n_estimators": 400, "max_depth": 6}` + "\n",
		"model/README.md":         modelCard,
		"model/tokenizer.md":      "Not a language model: no tokenizer.\n",
		"metrics/candidate.json":  `{"eval": {"auc": 0.912, "accuracy": 0.874, "log_loss": 0.291}, "latency_ms": {"p95": 41.0}}` + "\n",
		"metrics/baseline.json":   `{"eval": {"auc": 0.905, "accuracy": 0.871, "log_loss": 0.298}, "latency_ms": {"p95": 39.5}}` + "\n",
		"gate.yaml":               gateFile,
		"drift.yaml":              driftConfig,
		"contracts/features.yaml": contractFile,
		"cosign.key":              string(privPEM),
		"mlgate-policy.yaml":      fmt.Sprintf(policySettings, fingerprint),
		"cosign.pub":              string(pubPEM),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(out, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return writeWeights(filepath.Join(out, "model", "model.safetensors"))
}

// writeTable writes one feature table. The current table (shifted) has higher
// incomes, a country never seen in the reference, and slightly more nulls.
func writeTable(path string, rows int, seed uint64, shifted bool) error {
	rng := mrand.New(mrand.NewPCG(seed, 42))
	segments := []string{"retail", "retail", "retail", "smb", "smb", "enterprise"}
	countries := []string{"DE", "FR", "NL", "ES", "IT"}
	if shifted {
		countries = append(countries, "PL")
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	data := make([]featureRow, rows)
	for i := range data {
		r := &data[i]
		r.ID = int64(i) + 1 + int64(seed-1)*int64(rows)
		r.Segment = segments[rng.IntN(len(segments))]
		r.Country = countries[rng.IntN(len(countries))]
		r.Email = fmt.Sprintf("applicant%d@example.com", r.ID)
		nullRate, mu := 0.02, 10.8
		if shifted {
			nullRate, mu = 0.03, 11.1
		}
		if rng.Float64() >= nullRate {
			income := math.Round(math.Exp(mu+0.5*rng.NormFloat64())*100) / 100
			r.Income = &income
		}
		r.Age = int32(18 + rng.IntN(62))
		r.CreditScore = int32(math.Max(300, math.Min(850, 680+60*rng.NormFloat64())))
		r.Active = rng.Float64() < 0.8
		r.AppliedAt = start.Add(time.Duration(rng.Int64N(int64(300 * 24 * time.Hour)))).Truncate(time.Millisecond)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[featureRow](f, parquet.MaxRowsPerRowGroup(int64(rows/4+1)))
	if _, err := w.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// writeWeights writes a valid safetensors file holding one float32 tensor of
// 1M deterministic pseudo-weights (4 MiB): an 8-byte little-endian header
// length, the JSON header, then the raw data.
func writeWeights(path string) error {
	const n = 1 << 20
	rng := mrand.New(mrand.NewPCG(7, 7))
	header := fmt.Sprintf(`{"weights":{"dtype":"F32","shape":[%d],"data_offsets":[0,%d]}}`, n, 4*n)
	for len(header)%8 != 0 {
		header += " " // the format pads the header to 8 bytes with spaces
	}
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	buf = append(buf, header...)
	for i := 0; i < n; i++ {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(float32(0.05*rng.NormFloat64())))
	}
	return os.WriteFile(path, buf, 0o644)
}

const gateFile = `# The promotion gate: what a candidate must reach, and how far it may move
# from the production model (the baseline).
apiVersion: mlgate.dev/v1
kind: PromotionGate
metrics:
  - name: eval.auc
    min: 0.90
    change: {absolute: -0.005}
  - name: eval.accuracy
    nonInferiority: 0.01
  - name: eval.log_loss
    direction: lower
    max: 0.35
  - name: latency_ms.p95
    direction: lower
    max: 50
    change: {relative: -0.10}
    severity: warn
`

// contractFile is the data contract of the feature table.
const contractFile = `# The data contract of the loan-application features: what the model's
# training and scoring code may rely on. Owned by the data team.
apiVersion: mlgate.dev/v1
kind: DataContract
metadata:
  name: loan-applications
dataset:
  rows: {min: 10000}
  strict: true
columns:
  - name: id
    type: int64
    nullable: false
    unique: true
    min: 1
  - name: segment
    type: string
    nullable: false
    allowed: [retail, smb, enterprise]
  - name: country
    type: string
    nullable: false
    # A new market is worth a look, not a failed build.
    allowed: {value: [DE, FR, NL, ES, IT], severity: warn}
  - name: email
    type: string
    pattern: '^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$'
    unique: true
  - name: income
    type: double
    max_null_fraction: 0.05
    min: 0
    max: 10000000
  - name: age
    type: int32
    min: 18
    max: 100
  - name: credit_score
    type: int32
    min: 300
    max: 850
  - name: active
    type: boolean
    nullable: false
  - name: applied_at
    type: timestamp(ms, utc)
`

// driftConfig leaves out the id column: ids of new rows are new by design.
const driftConfig = `columns:
  id: {exclude: true}
`

// policySettings configures the policy library (policies/README.md): the
// demo's key is the expected signer.
const policySettings = `config:
  license:
    allowed: [apache-2.0, mit, bsd-3-clause]
  drift:
    required: true
    max_drifted_share: 0.5
    critical_columns: [credit_score, age]
  signing:
    keys: [%q]
`

const modelCard = `---
model_name: loan-default-gbt
owner: risk-ml@example.com
license: apache-2.0
risk_level: medium
intended_use: Rank loan applications by default risk for human review.
limitations: Trained on EU applicants only; not calibrated for business loans above 1M EUR.
training_data: applications-2025 (see data/reference.parquet)
evaluation: Held-out 2025-Q4 applications; AUC and accuracy in metrics.json.
---

# loan-default-gbt

A gradient-boosted tree model that scores loan applications.
`
