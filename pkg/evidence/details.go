package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// The types below are the details of each kind: what the producing command
// writes and what the gate's policies and the report read. Producers may add
// fields; consumers must tolerate ones they do not know.

// Details is the kind-specific part of a document. Only this package's
// details types implement it, and each kind has one (detailsTypes), so a
// document holds the same Go type whether it was built in-process or read
// from JSON.
type Details interface{ isDetails() }

func (ValidationDetails) isDetails()   {}
func (ContractDiffDetails) isDetails() {}
func (ProfileDetails) isDetails()      {}
func (DriftDetails) isDetails()        {}
func (PromotionDetails) isDetails()    {}
func (SignatureDetails) isDetails()    {}

// detailsTypes is the details type of each kind.
var detailsTypes = map[Kind]reflect.Type{
	KindDataValidation:    reflect.TypeFor[ValidationDetails](),
	KindContractDiff:      reflect.TypeFor[ContractDiffDetails](),
	KindProfile:           reflect.TypeFor[ProfileDetails](),
	KindDriftReport:       reflect.TypeFor[DriftDetails](),
	KindPromotionDecision: reflect.TypeFor[PromotionDetails](),
	KindSignature:         reflect.TypeFor[SignatureDetails](),
	KindVerification:      reflect.TypeFor[SignatureDetails](),
	KindAttestation:       reflect.TypeFor[SignatureDetails](),
}

// decodeDetails decodes raw JSON details as the kind's details type; absent
// or null details are nil.
func decodeDetails(k Kind, raw json.RawMessage) (Details, error) {
	t, ok := detailsTypes[k]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", k)
	}
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	v := reflect.New(t)
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		return nil, fmt.Errorf("%s details: %w", k, err)
	}
	return v.Elem().Interface().(Details), nil
}

// checkDetails refuses details of another type than the kind's, so nothing
// is written that would read back as something else.
func (d *Document) checkDetails() error {
	t, ok := detailsTypes[d.Kind]
	switch {
	case !ok:
		return fmt.Errorf("unknown kind %q", d.Kind)
	case d.Details != nil && reflect.TypeOf(d.Details) != t:
		return fmt.Errorf("%s evidence with %T details, want %s", d.Kind, d.Details, t.Name())
	}
	return nil
}

// UnmarshalJSON decodes a document with its details as its kind's type.
func (d *Document) UnmarshalJSON(b []byte) error {
	type plain Document
	var raw struct {
		*plain
		Details json.RawMessage `json:"details,omitempty"`
	}
	raw.plain = (*plain)(d)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	details, err := decodeDetails(d.Kind, raw.Details)
	if err != nil {
		return err
	}
	d.Details = details
	return nil
}

// ValidationDetails is the details of a DataValidation document.
type ValidationDetails struct {
	Contract string `json:"contract"`
	// ContractSHA256 is the digest of the contract file's bytes checked
	// against (a gate given contracts requires one of theirs).
	ContractSHA256 string `json:"contractSha256,omitempty"`
	Rows           int64  `json:"rows"`
	// DecidedBy counts the checks decided by each tier: metadata (footer
	// statistics, page index), dictionary, scan.
	DecidedBy map[string]int `json:"decidedBy,omitempty"`
	// Format is the contract's format (mlgate or odcs); Object, for ODCS,
	// the schema object checked.
	Format string `json:"format,omitempty"`
	Object string `json:"object,omitempty"`
	// Skipped lists the contract's rules that were not run, and why: a
	// rule mlgate cannot run is reported, never passed in silence.
	Skipped []SkippedRule `json:"skipped,omitempty"`
	// Shard, on the evidence of one shard of a sharded validation, is what
	// merging the shards needs to decide every check over the whole dataset.
	Shard *ValidationShard `json:"shard,omitempty"`
	// Merged, on the evidence of a merge, names the shard evidence by digest.
	Merged []EvidenceRef `json:"merged,omitempty"`
	// Where is the row filter of the whole validation (the contract's or
	// the run's), with the rows it kept; Filters lists every filter the
	// checks ran under and what statistics spared reading.
	Where   *RowFilter  `json:"where,omitempty"`
	Filters []RowFilter `json:"filters,omitempty"`
	// RunWhere is the row filter the run added to the contract's: the
	// document is about those rows only, so it does not vouch for the
	// dataset at the gate.
	RunWhere string `json:"runWhere,omitempty"`
}

// SkippedRule is a contract rule that was not run.
type SkippedRule struct {
	Rule   string  `json:"rule"`
	Reason string  `json:"reason"`
	Source *Source `json:"source,omitempty"`
}

// ValidationShard is one shard's part of a validation. Value checks count
// the shard's row groups (Index, Index+Count, ... across the files in
// order); uniqueness counts the keys whose hash modulo Count is Index, so
// every occurrence of a key is in the same shard and merged counts are exact.
type ValidationShard struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Contract is the sha256 of the contract's bytes.
	Contract string `json:"contract"`
	// Rows is the rows of the shard's row groups; the shards' rows add up to
	// the dataset's.
	Rows    int64          `json:"rows"`
	Partial []PartialCheck `json:"partial"`
}

// PartialCheck is a check's outcome on one shard, before it is judged.
type PartialCheck struct {
	ID       string           `json:"id"`
	Failures int64            `json:"failures"`
	Total    int64            `json:"total"`
	Tiers    []string         `json:"tiers,omitempty"`
	Broken   string           `json:"broken,omitempty"`
	Examples []PartialExample `json:"examples,omitempty"`
	// Worst is a bound check's most extreme failing value.
	Worst *ExactNumber `json:"worst,omitempty"`
}

// PartialExample is a failing value at a position of the dataset; File is
// the index of its file in the subject.
type PartialExample struct {
	File     int             `json:"file"`
	RowGroup int             `json:"rowGroup"`
	Row      int64           `json:"row"`
	Value    json.RawMessage `json:"value"`
}

// ExactNumber is a number as the contract engine compares it: an integer
// Hi:Lo scaled by 10^-Scale, or a float written in full (NaN, Inf included).
type ExactNumber struct {
	Float bool   `json:"float,omitempty"`
	F     string `json:"f,omitempty"`
	Hi    int64  `json:"hi,omitempty"`
	Lo    uint64 `json:"lo,omitempty"`
	Scale int    `json:"scale,omitempty"`
}

// ContractDiffDetails is the details of a ContractDiff document.
type ContractDiffDetails struct {
	Old     string           `json:"old"`
	New     string           `json:"new"`
	Changes []ContractChange `json:"changes"`
}

// ContractChange is one difference between two contracts.
type ContractChange struct {
	Path     string `json:"path"`
	Change   string `json:"change"`
	Breaking bool   `json:"breaking"`
	Message  string `json:"message"`
}

// ProfileDetails is the details of a Profile document: where the profile
// went, and a line per column that policies and reports can read.
type ProfileDetails struct {
	Profile string          `json:"profile,omitempty"`
	Rows    int64           `json:"rows"`
	Shard   *Shard          `json:"shard,omitempty"`
	Columns []ProfileColumn `json:"columns"`
}

// Shard says which part of a sharded profile a document covers.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ProfileColumn summarises one profiled column.
type ProfileColumn struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Type     string   `json:"type"`
	Count    int64    `json:"count"`
	NullRate float64  `json:"nullRate"`
	Distinct int64    `json:"distinct"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Mean     *float64 `json:"mean,omitempty"`
	StdDev   *float64 `json:"stddev,omitempty"`
	Exact    bool     `json:"exact"`
}

// DriftDetails is the details of a DriftReport document.
type DriftDetails struct {
	Reference string `json:"reference"`
	// ReferenceInputs and CurrentInputs name what each side was, by digest:
	// the profiles read and the data files they describe.
	ReferenceInputs *DriftSide `json:"referenceInputs,omitempty"`
	CurrentInputs   *DriftSide `json:"currentInputs,omitempty"`
	// DriftedShare is the share of compared columns that drifted, judged
	// against ShareThreshold for the dataset-level verdict.
	DriftedShare   float64       `json:"driftedShare"`
	ShareThreshold float64       `json:"shareThreshold"`
	Drifted        bool          `json:"drifted"`
	Columns        []DriftColumn `json:"columns"`
}

// DriftSide is one side of a drift comparison.
type DriftSide struct {
	// Profiles are the profile files read, by the sha256 of their bytes;
	// none when the side was given as Parquet files.
	Profiles []File `json:"profiles,omitempty"`
	// Data are the data files the side describes, with the digest the
	// profile records (profile --digest) or that drift computed.
	Data []File `json:"data"`
}

// DriftColumn is the verdict for one column.
type DriftColumn struct {
	Column string `json:"column"`
	// Kind is numeric or categorical.
	Kind      string   `json:"kind"`
	Method    string   `json:"method"`
	Statistic float64  `json:"statistic"`
	PValue    *float64 `json:"pValue,omitempty"`
	Threshold float64  `json:"threshold"`
	// N and ReferenceN are the non-null value counts compared.
	N          int64  `json:"n"`
	ReferenceN int64  `json:"referenceN"`
	Drifted    bool   `json:"drifted"`
	Status     Status `json:"status"`
	// Null rates and the share of current values never seen in the reference
	// (categorical columns), each judged separately.
	NullRate          float64 `json:"nullRate"`
	ReferenceNullRate float64 `json:"referenceNullRate"`
	UnseenRate        float64 `json:"unseenRate,omitempty"`
	// NaN rates of numeric columns, judged like null rates; present when
	// either side has NaN.
	NaNRate          float64 `json:"nanRate,omitempty"`
	ReferenceNaNRate float64 `json:"referenceNaNRate,omitempty"`
	// Histogram and ReferenceHistogram are bin shares over the same bins,
	// for a small visual.
	Histogram          []float64 `json:"histogram,omitempty"`
	ReferenceHistogram []float64 `json:"referenceHistogram,omitempty"`
}

// PromotionDetails is the details of a PromotionDecision document.
type PromotionDetails struct {
	Promote  bool           `json:"promote"`
	Metrics  []MetricResult `json:"metrics"`
	Policies []PolicyResult `json:"policies,omitempty"`
	// Evidence lists the evidence documents the decision read, by kind and subject.
	Evidence []EvidenceRef `json:"evidence,omitempty"`
	// Config is the gate file that decided, with its digest.
	Config *FileRef `json:"config,omitempty"`
	// PolicyBundles are the policies read from a registry, by reference and
	// manifest digest.
	PolicyBundles []FileRef `json:"policyBundles,omitempty"`
}

// FileRef names a file by path and digest.
type FileRef struct {
	Path   string            `json:"path"`
	Digest map[string]string `json:"digest"`
}

// MetricResult is one metric rule's outcome.
type MetricResult struct {
	Name      string   `json:"name"`
	Candidate *float64 `json:"candidate,omitempty"`
	Baseline  *float64 `json:"baseline,omitempty"`
	// Change is candidate - baseline; RelativeChange is Change / |baseline|.
	Change         *float64 `json:"change,omitempty"`
	RelativeChange *float64 `json:"relativeChange,omitempty"`
	// Direction is "higher" (higher is better) or "lower".
	Direction string `json:"direction"`
	// Threshold says the rule in words, e.g. ">= 0.90, not worse than baseline by more than 1%".
	Threshold string    `json:"threshold"`
	Status    Status    `json:"status"`
	Message   string    `json:"message"`
	Interval  *Interval `json:"interval,omitempty"`
	Source    *Source   `json:"source,omitempty"`
}

// Interval is a confidence interval of a metric difference (paired bootstrap).
type Interval struct {
	Lower     float64 `json:"lower"`
	Upper     float64 `json:"upper"`
	Level     float64 `json:"level"`
	Resamples int     `json:"resamples"`
}

// PolicyResult is one Rego rule result.
type PolicyResult struct {
	// Rule is the rule kind that produced it: deny, violation or warn.
	Rule        string  `json:"rule"`
	Package     string  `json:"package"`
	Title       string  `json:"title,omitempty"`
	Description string  `json:"description,omitempty"`
	Message     string  `json:"message"`
	Severity    string  `json:"severity,omitempty"`
	Remediation string  `json:"remediation,omitempty"`
	Status      Status  `json:"status"`
	Exempted    bool    `json:"exempted,omitempty"`
	Source      *Source `json:"source,omitempty"`
}

// EvidenceRef names one evidence document.
type EvidenceRef struct {
	Kind    Kind   `json:"kind"`
	Subject string `json:"subject"`
	Status  Status `json:"status"`
	Path    string `json:"path,omitempty"`
	// Digest is the document's own digest as read, so an attestation can
	// name it among its inputs.
	Digest map[string]string `json:"digest,omitempty"`
	// Signer is who signed the document, when the reader required
	// signed evidence: the key or certificate identity that vouched for it.
	Signer *Signer `json:"signer,omitempty"`
}

// SignatureDetails is the details of Signature, Verification and Attestation documents.
type SignatureDetails struct {
	// Format is "sigstore-bundle" (a single file) or "model-signing/v1.0" (a directory).
	Format string            `json:"format"`
	Bundle string            `json:"bundle"`
	Digest map[string]string `json:"digest"`
	Files  int               `json:"files,omitempty"`
	Signer *Signer           `json:"signer,omitempty"`
	Tlog   *TlogEntry        `json:"tlog,omitempty"`
	// PredicateType is set on attestations.
	PredicateType string `json:"predicateType,omitempty"`
	// Registry is what signing or verifying an artifact in an OCI registry
	// moved over the network (nil for local files).
	Registry *RegistryTransfer `json:"registry,omitempty"`
}

// RegistryTransfer records an artifact in a registry, by reference and
// manifest digest, and the bytes a command moved to reach it.
type RegistryTransfer struct {
	Reference     string `json:"reference"`
	Digest        string `json:"digest"`
	BytesReceived int64  `json:"bytesReceived"`
	BytesSent     int64  `json:"bytesSent"`
	Files         int    `json:"files,omitempty"`
	Bytes         int64  `json:"bytes,omitempty"`
}

// Signer is who signed: a key, or a keyless certificate identity with the
// GitHub claims Fulcio puts in it.
type Signer struct {
	// KeyID or fingerprint for key signatures.
	Key string `json:"key,omitempty"`
	// Identity (SAN) and Issuer for certificate signatures.
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// GitHub holds repository, workflow, ref, sha, trigger when present.
	GitHub map[string]string `json:"github,omitempty"`
}

// TlogEntry is a transparency-log entry.
type TlogEntry struct {
	LogIndex       int64     `json:"logIndex"`
	URL            string    `json:"url,omitempty"`
	IntegratedTime time.Time `json:"integratedTime,omitempty"`
}
