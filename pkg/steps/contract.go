package steps

import (
	"context"
	"fmt"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// InferRequest asks for a contract describing existing Parquet data.
type InferRequest struct {
	// Name is recorded as the contract's metadata.name.
	Name string
	Data []string
	Scan parquetx.ScanOptions
	// Remote reaches data in object stores (nil: local files only).
	Remote *Remote
}

// Infer writes no evidence: its product is the contract (contract.Marshal
// gives its YAML).
func Infer(ctx context.Context, r InferRequest) (*contract.Contract, error) {
	// A contract is about the whole table: an incremental validation
	// checks the added data against it, its row bounds against the table.
	if inc := r.Remote.incremental(); len(inc) > 0 {
		return nil, fmt.Errorf("%s: a contract describes the whole table, not the data added since %s %d: infer it from a table version",
			inc[0].Location, versionWord(inc[0].Format), *inc[0].Since)
	}
	files, err := r.Remote.OpenAll(ctx, r.Data)
	if err != nil {
		return nil, err
	}
	defer parquetx.CloseAll(files)
	return contract.Infer(ctx, r.Name, files, contract.Options{Scan: r.Scan})
}

// DiffRequest asks to compare two versions of a contract.
type DiffRequest struct {
	Run
	Old, New string
}

// Diff classifies every change from Old to New: a breaking change is a failed
// check at the line of New (or Old) that makes it.
func Diff(_ context.Context, r DiffRequest) (*evidence.Document, error) {
	started := r.now()
	old, err := contract.Load(r.Old)
	if err != nil {
		return nil, err
	}
	new, err := contract.Load(r.New)
	if err != nil {
		return nil, err
	}
	changes := contract.Diff(old, new)
	doc := r.start(evidence.KindContractDiff, evidence.Subject{Name: r.New}, started)
	details := evidence.ContractDiffDetails{Old: r.Old, New: r.New, Changes: []evidence.ContractChange{}}
	breaking := 0
	for _, ch := range changes {
		details.Changes = append(details.Changes, evidence.ContractChange{Path: ch.Path, Change: ch.Kind, Breaking: ch.Breaking, Message: ch.Message})
		st := evidence.StatusPass
		if ch.Breaking {
			st = evidence.StatusFail
			breaking++
		}
		doc.Add(evidence.Check{
			ID: ch.Path + "." + ch.Kind, Status: st, Severity: evidence.SeverityError, Message: ch.Message,
			Source: &evidence.Source{File: ch.File, Line: ch.Pos.Line, Column: ch.Pos.Column},
		})
	}
	doc.Details = details
	switch {
	case len(changes) == 0:
		doc.Summary = "no changes"
	case breaking == 0:
		doc.Summary = fmt.Sprintf("%d compatible %s", len(changes), plural(len(changes), "change"))
	default:
		doc.Summary = fmt.Sprintf("%d breaking of %d %s", breaking, len(changes), plural(len(changes), "change"))
	}
	return r.finish(doc), nil
}

// Breaking counts a ContractDiff's breaking changes.
func Breaking(doc *evidence.Document) int {
	n := 0
	for _, c := range doc.Checks {
		if c.Status == evidence.StatusFail {
			n++
		}
	}
	return n
}

// ConvertRequest asks to translate a contract between mlgate's format and
// ODCS; Contract may name an ODCS schema object as FILE#OBJECT.
type ConvertRequest struct {
	Contract string
	// Format is contract.FormatMlgate or contract.FormatODCS.
	Format string
}

// Convert returns the contract in the requested format, and the rules that
// format cannot carry (the caller shows them: nothing is lost in silence).
func Convert(_ context.Context, r ConvertRequest) (out []byte, lost []string, err error) {
	c, err := contract.Load(r.Contract)
	if err != nil {
		return nil, nil, err
	}
	return contract.Write(c, r.Format)
}
