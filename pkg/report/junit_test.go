package report

import (
	"encoding/xml"
	"testing"

	"github.com/mlgate/mlgate/internal/golden"
)

func TestJUnitGolden(t *testing.T) {
	out, err := JUnit(gateDocs())
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/gate.junit.golden", out)
}

// The XML parses back with the counts CI systems show.
func TestJUnitCounts(t *testing.T) {
	out, _ := JUnit(gateDocs())
	var parsed junitSuites
	if err := xml.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, out)
	}
	if parsed.Tests != 7 || parsed.Failures != 3 || parsed.Errors != 1 || len(parsed.Suites) != 2 {
		t.Fatalf("tests %d failures %d errors %d suites %d", parsed.Tests, parsed.Failures, parsed.Errors, len(parsed.Suites))
	}
	pickle := parsed.Suites[0].Cases[3]
	if pickle.Failure == nil || pickle.Failure.Message != `weights <v1> & "old".pkl is a pickle-based format`+"\uFFFD" {
		t.Fatalf("failure %+v", pickle.Failure)
	}
}
