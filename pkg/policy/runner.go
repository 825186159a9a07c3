package policy

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestOptions configures RunTests.
type TestOptions struct {
	// Verbose lists every test, not only failures, as `opa test -v` does.
	Verbose bool
	// Coverage measures which policy lines the tests evaluate.
	Coverage bool
	// Run keeps only tests whose name matches this regular expression.
	Run string
	// Timeout bounds each test (default 5s, as opa test).
	Timeout time.Duration
	// JSON reports the results as OPA's JSON reporter does (opa test
	// --format json) instead of its text.
	JSON bool
}

// TestSummary counts the outcomes of a test run.
type TestSummary struct {
	Passed, Failed, Skipped, Errored int
	// Coverage is the coverage report when TestOptions.Coverage is set.
	Coverage *cover.Report
}

// OK reports whether every test that ran passed.
func (s TestSummary) OK() bool { return s.Failed == 0 && s.Errored == 0 }

// RunTests runs the Rego unit tests (rules named test_*) in the policy and data
// files under paths with OPA's own test runner, writes the report to out in
// the format of `opa test` (and `-v`), and returns the counts. An error means
// the policies could not be loaded or compiled.
func RunTests(ctx context.Context, paths []string, opts TestOptions, out io.Writer) (TestSummary, error) {
	var sum TestSummary
	if err := checkFiles(paths); err != nil {
		return sum, fmt.Errorf("loading policies: %w", err)
	}
	modules, store, err := tester.LoadWithRegoVersion(paths, nil, ast.RegoV1)
	if err != nil {
		return sum, fmt.Errorf("loading policies: %w", err)
	}
	if len(modules) == 0 {
		return sum, fmt.Errorf("no Rego files in %v", paths)
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithEnablePrintStatements(true).WithCapabilities(Options{}.capabilities())).
		SetStore(store).
		CapturePrintOutput(true).
		SetTimeout(timeout).
		SetParallel(1).
		Filter(opts.Run)
	var cov *cover.Cover
	if opts.Coverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.Run(ctx, modules)
	if err != nil {
		return sum, fmt.Errorf("running policy tests: %w", err)
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i].Location, results[j].Location
		if a == nil || b == nil {
			return false
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Row < b.Row
	})
	for _, r := range results {
		switch {
		case r.Skip:
			sum.Skipped++
		case r.Error != nil:
			sum.Errored++
		case r.Fail:
			sum.Failed++
		default:
			sum.Passed++
		}
	}
	replay := make(chan *tester.Result, len(results))
	for _, r := range results {
		replay <- r
	}
	close(replay)
	var reporter tester.Reporter = tester.PrettyReporter{Output: out, Verbose: opts.Verbose}
	if opts.JSON {
		reporter = tester.JSONReporter{Output: out}
	}
	if err := reporter.Report(replay); err != nil {
		return sum, err
	}
	if cov != nil {
		report := cov.Report(modules)
		sum.Coverage = &report
		if !opts.JSON {
			writeCoverage(out, report)
		}
	}
	return sum, nil
}

// writeCoverage prints each file's coverage and the total.
func writeCoverage(out io.Writer, r cover.Report) {
	files := make([]string, 0, len(r.Files))
	for f := range r.Files {
		files = append(files, f)
	}
	sort.Strings(files)
	fmt.Fprintln(out, "--------------------------------------------------------------------------------")
	for _, f := range files {
		fmt.Fprintf(out, "coverage: %6.2f%%  %s\n", r.Files[f].Coverage, f)
	}
	fmt.Fprintf(out, "coverage: %6.2f%%  total (%d of %d lines)\n", r.Coverage, r.CoveredLines, r.CoveredLines+r.NotCoveredLines)
}
