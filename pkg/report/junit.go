package report

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// The JUnit XML schema as CI systems read it (the Ant/Surefire dialect).
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name      string      `xml:"name,attr"`
		Tests     int         `xml:"tests,attr"`
		Failures  int         `xml:"failures,attr"`
		Errors    int         `xml:"errors,attr"`
		Skipped   int         `xml:"skipped,attr"`
		Time      string      `xml:"time,attr"`
		Timestamp string      `xml:"timestamp,attr"`
		Cases     []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Line      int           `xml:"line,attr,omitempty"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// JUnit renders documents as JUnit XML: one test suite per document, one test
// case per check. A failed check is a failure, an errored one an error; a
// warning passes with its message in system-out, as CI test tabs show it.
func JUnit(docs []*evidence.Document) ([]byte, error) {
	root := junitSuites{Name: "mlgate", Suites: []junitSuite{}}
	var total float64
	for _, d := range docs {
		suite := junitSuite{
			Name:      fmt.Sprintf("%s: %s", d.Kind, d.Subject.Name),
			Time:      seconds(float64(d.DurationMs) / 1000),
			Timestamp: d.StartedAt.UTC().Format("2006-01-02T15:04:05"),
			Cases:     []junitCase{},
		}
		total += float64(d.DurationMs) / 1000
		for _, c := range d.Checks {
			tc := junitCase{Name: c.ID, Classname: "mlgate." + string(d.Kind), Time: "0"}
			if c.Source != nil {
				tc.File, tc.Line = c.Source.File, c.Source.Line
			}
			detail := checkDetail(c)
			switch c.Status {
			case evidence.StatusFail:
				tc.Failure = &junitProblem{Message: c.Message, Type: "fail", Text: detail}
				suite.Failures++
			case evidence.StatusError:
				tc.Error = &junitProblem{Message: c.Message, Type: "error", Text: detail}
				suite.Errors++
			case evidence.StatusWarn:
				tc.SystemOut = "warning: " + detail
			}
			suite.Tests++
			suite.Cases = append(suite.Cases, tc)
		}
		root.Tests += suite.Tests
		root.Failures += suite.Failures
		root.Errors += suite.Errors
		root.Suites = append(root.Suites, suite)
	}
	root.Time = seconds(total)
	out, err := xml.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// checkDetail is the text of a failure: the message, where the rule is, and
// what to do.
func checkDetail(c evidence.Check) string {
	lines := []string{c.Message}
	if c.Source != nil {
		lines = append(lines, "rule: "+c.Source.String())
	}
	if c.Location != nil && c.Location.File != "" {
		lines = append(lines, "file: "+c.Location.File)
	}
	if c.Remediation != "" {
		lines = append(lines, "remediation: "+c.Remediation)
	}
	return strings.Join(lines, "\n")
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
