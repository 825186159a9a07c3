// Package evidence defines the evidence document that every mlgate command writes
// and that the gate and the report read: one JSON document per step, versioned by
// apiVersion, so that steps compose without knowing how the others ran.
package evidence

import (
	"fmt"
	"reflect"
	"slices"
	"time"
)

// APIVersion is the version of the evidence format this package reads and writes.
const APIVersion = "mlgate.dev/v1"

// Kind names what a document is evidence of.
type Kind string

// The kinds of evidence mlgate produces.
const (
	KindDataValidation    Kind = "DataValidation"
	KindContractDiff      Kind = "ContractDiff"
	KindProfile           Kind = "Profile"
	KindDriftReport       Kind = "DriftReport"
	KindPromotionDecision Kind = "PromotionDecision"
	KindSignature         Kind = "Signature"
	KindVerification      Kind = "Verification"
	KindAttestation       Kind = "Attestation"
)

// Known reports whether k is a kind this version understands.
func (k Kind) Known() bool {
	_, ok := detailsTypes[k]
	return ok
}

// Severity says whether a failed check fails the step (error) or only warns (warn).
type Severity string

// Check severities.
const (
	SeverityError Severity = "error"
	SeverityWarn  Severity = "warn"
)

// Document is one step's evidence.
type Document struct {
	APIVersion string    `json:"apiVersion"`
	Kind       Kind      `json:"kind"`
	Subject    Subject   `json:"subject"`
	Status     Status    `json:"status"`
	Summary    string    `json:"summary"`
	Checks     []Check   `json:"checks"`
	Details    Details   `json:"details,omitempty"`
	Tool       Tool      `json:"tool"`
	StartedAt  time.Time `json:"startedAt"`
	DurationMs int64     `json:"durationMs"`
}

// Subject is what the evidence is about: a file, a dataset, a model.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest,omitempty"`
	// Files lists the inputs that form the subject when there are several (a dataset of
	// Parquet files, a model directory), each with its own digest.
	Files []File `json:"files,omitempty"`
	// Hashing says how a model's Digest was computed, so a consumer can
	// recompute it over the model it has and bind the evidence to it.
	Hashing *Hashing `json:"hashing,omitempty"`
}

// Hashing is how a model's subject digest was computed: the model-signing
// method (files or shards, with its shard size) over every file but the
// ignored paths, or HashingBlob, the sha256 of a single file.
type Hashing struct {
	Method        string   `json:"method"`
	ShardSize     int64    `json:"shardSize,omitempty"`
	IgnorePaths   []string `json:"ignorePaths,omitempty"`
	AllowSymlinks bool     `json:"allowSymlinks,omitempty"`
}

// HashingBlob is the hashing method of a single-file model: its sha256.
const HashingBlob = "blob"

// Equal reports whether two hashings compute the same digest of the same
// model (the ignore lists compared as sets).
func (h *Hashing) Equal(o *Hashing) bool {
	if h == nil || o == nil {
		return h == o
	}
	if h.Method != o.Method || h.ShardSize != o.ShardSize || h.AllowSymlinks != o.AllowSymlinks {
		return false
	}
	return slices.Equal(sortedSet(h.IgnorePaths), sortedSet(o.IgnorePaths))
}

func sortedSet(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// File is one input file and its digest.
type File struct {
	Path   string            `json:"path"`
	Digest map[string]string `json:"digest,omitempty"`
	Size   int64             `json:"size,omitempty"`
	// Version is a remote object's ETag, generation or version id: every
	// read of the run was pinned to it.
	Version string `json:"version,omitempty"`
	// IO is what reading a remote object cost.
	IO *IORecord `json:"io,omitempty"`
	// Table names the lakehouse table version the file is live in, when
	// the data argument was a table.
	Table *TableVersion `json:"table,omitempty"`
	// Scope, in an incremental check of a table (Table.Since set), says
	// what the file was checked for: ScopeAdded (added after Since: every
	// rule) or ScopeTable (live before: only the rules the whole table
	// must meet, row bounds and uniqueness).
	Scope string `json:"scope,omitempty"`
	// Viewed says the checks read the file as its table presents it:
	// without rows the table deletes, or under columns its metadata
	// renames, maps or adds. The file's digest alone does not name that.
	Viewed bool `json:"viewed,omitempty"`
}

// The scopes of a file in an incremental check.
const (
	ScopeAdded = "added"
	ScopeTable = "table"
)

// TableVersion pins a Delta or Iceberg table: its location as given and the
// version (Delta) or snapshot id (Iceberg) whose live files were read.
type TableVersion struct {
	Format   string `json:"format"`
	Location string `json:"location"`
	Version  int64  `json:"version"`
	// Since, in an incremental check, is the version or snapshot after
	// which files count as added.
	Since *int64 `json:"since,omitempty"`
}

// IORecord counts the requests made for a remote object and the bytes they
// read, to set beside the object's size.
type IORecord struct {
	Requests  int64 `json:"requests"`
	BytesRead int64 `json:"bytesRead"`
}

// Tool names the program that wrote the document.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Check is one decided rule: a contract check, a drift test, a metric threshold,
// a policy rule, a signature verification step.
type Check struct {
	ID       string   `json:"id"`
	Title    string   `json:"title,omitempty"`
	Status   Status   `json:"status"`
	Severity Severity `json:"severity,omitempty"`
	Message  string   `json:"message"`
	Observed any      `json:"observed,omitempty"`
	Expected any      `json:"expected,omitempty"`
	// Failures and Total count the rows (or items) that failed and were tested.
	Failures int64 `json:"failures,omitempty"`
	Total    int64 `json:"total,omitempty"`
	// Examples shows a few failing values, with their row numbers.
	Examples []Example `json:"examples,omitempty"`
	// Location is where in the subject the check applies (a data file, a column).
	Location *Location `json:"location,omitempty"`
	// Source is the line of the rule that defined the check (a contract, a gate
	// file, a policy), so annotations and SARIF point at what a person edits.
	Source      *Source `json:"source,omitempty"`
	Remediation string  `json:"remediation,omitempty"`
	// DecidedBy says how the check was decided: "metadata", "dictionary", "scan", ...
	DecidedBy string `json:"decidedBy,omitempty"`
	// Where is the row filter the check ran under, and the rows it kept.
	Where *RowFilter `json:"where,omitempty"`
}

// RowFilter is a row predicate a check or a validation ran under and the
// rows it kept. The counts say how its row groups were decided: by
// statistics (every row kept, or none: not read), or by reading the
// predicate's columns.
type RowFilter struct {
	Where string `json:"where"`
	Rows  int64  `json:"rows"`
	// RowGroupsAll, RowGroupsSkipped and RowGroupsRead are set on the
	// validation's list of filters.
	RowGroupsAll     int `json:"rowGroupsAll,omitempty"`
	RowGroupsSkipped int `json:"rowGroupsSkipped,omitempty"`
	RowGroupsRead    int `json:"rowGroupsRead,omitempty"`
}

// Example is one failing value and where it was found.
type Example struct {
	Row   int64  `json:"row"`
	Value any    `json:"value"`
	File  string `json:"file,omitempty"`
	// Key holds the row's values of the contract's key columns, so that a
	// failing row can be found by what identifies it, not only its number.
	Key map[string]any `json:"key,omitempty"`
}

// Location is a place in the subject.
type Location struct {
	File     string `json:"file,omitempty"`
	Column   string `json:"column,omitempty"`
	RowGroup *int   `json:"rowGroup,omitempty"`
	Row      *int64 `json:"row,omitempty"`
}

// Source is a place in a human-edited file: line and column are 1-based.
type Source struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String formats the source as file:line:column for messages.
func (s Source) String() string {
	switch {
	case s.Line > 0 && s.Column > 0:
		return fmt.Sprintf("%s:%d:%d", s.File, s.Line, s.Column)
	case s.Line > 0:
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// New starts a document of the given kind, stamped with the tool and start time.
func New(kind Kind, subject Subject, tool Tool, started time.Time) *Document {
	return &Document{
		APIVersion: APIVersion,
		Kind:       kind,
		Subject:    subject,
		Status:     StatusPass,
		Checks:     []Check{},
		Tool:       tool,
		StartedAt:  started.UTC(),
	}
}

// Add appends a check and folds its status into the document's.
func (d *Document) Add(c Check) {
	d.Checks = append(d.Checks, c)
	d.Status = Worst(d.Status, c.Status)
}

// Finish sets the duration and, when the caller left it empty, a summary that counts
// the checks by status.
func (d *Document) Finish(now time.Time) {
	d.DurationMs = now.Sub(d.StartedAt).Milliseconds()
	if d.Summary == "" {
		d.Summary = CountSummary(d.Checks)
	}
}

// CountSummary says how many checks failed and warned, e.g. "2 of 41 checks failed".
func CountSummary(checks []Check) string {
	var failed, warned int
	for _, c := range checks {
		switch c.Status {
		case StatusFail, StatusError:
			failed++
		case StatusWarn:
			warned++
		}
	}
	plural := "s"
	if len(checks) == 1 {
		plural = ""
	}
	s := fmt.Sprintf("%d of %d check%s failed", failed, len(checks), plural)
	if warned > 0 {
		s += fmt.Sprintf(", %d warned", warned)
	}
	return s
}

// DetailsAs copies the details into v, a pointer to the kind's details type,
// and fails when the document has none or has details of another type.
func (d *Document) DetailsAs(v any) error {
	dst := reflect.ValueOf(v)
	if dst.Kind() != reflect.Pointer || dst.IsNil() {
		return fmt.Errorf("%s details: want a pointer to a details type, got %T", d.Kind, v)
	}
	if d.Details == nil {
		return fmt.Errorf("%s evidence has no details", d.Kind)
	}
	src := reflect.ValueOf(d.Details)
	if src.Type() != dst.Elem().Type() {
		return fmt.Errorf("%s evidence has %s details, not %s", d.Kind, src.Type().Name(), dst.Elem().Type().Name())
	}
	dst.Elem().Set(src)
	return nil
}

// DetailsOf returns the document's details as T, and whether they are a T.
func DetailsOf[T Details](d *Document) (T, bool) {
	t, ok := d.Details.(T)
	return t, ok
}
