package steps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/report"
)

// PolicyTestRequest asks to run the Rego unit tests under Paths.
type PolicyTestRequest struct {
	Paths []string
	policy.TestOptions
	// Threshold is the coverage, in percent, below which the tests fail
	// (0: none); it implies Coverage.
	Threshold float64
	// Format is how OPA's report is written: text, json or markdown.
	Format string
}

// ErrTestsFailed is PolicyTest's failure when a test failed or errored: the
// report written names it.
var ErrTestsFailed = errors.New("a policy test failed")

// PolicyTest runs the tests with OPA's test runner, as 'opa test' does, and
// writes its report to w in r.Format. failed says why the tests did not
// pass (ErrTestsFailed, or coverage below the threshold); err that they
// could not run (policies that do not load or compile, a failed write).
func PolicyTest(ctx context.Context, r PolicyTestRequest, w io.Writer) (failed, err error) {
	if r.Threshold > 0 {
		r.Coverage = true
	}
	// OPA's reporter prints test names, values and Rego print() output of
	// the policies under test: all of it is untrusted.
	r.JSON = r.Format == "json"
	var text bytes.Buffer
	var out io.Writer = &text
	log := actions.NewLogWriter(w)
	if r.Format == "text" {
		out = log
	}
	sum, err := policy.RunTests(ctx, r.Paths, r.TestOptions, out)
	if ferr := log.Flush(); err == nil {
		err = ferr
	}
	switch r.Format {
	case "json":
		if _, werr := w.Write(actions.SafeJSON(text.Bytes())); err == nil {
			err = werr
		}
	case "markdown":
		if _, werr := io.WriteString(w, report.CodeBlock(text.String())); err == nil {
			err = werr
		}
	}
	switch {
	case err != nil:
		return nil, err
	case !sum.OK():
		return ErrTestsFailed, nil
	case sum.Coverage != nil && sum.Coverage.Coverage < r.Threshold:
		return fmt.Errorf("coverage %.2f%% is below the threshold %g%%", sum.Coverage.Coverage, r.Threshold), nil
	}
	return nil, nil
}
