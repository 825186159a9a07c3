package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// SARIFSchema is the schema URI written into SARIF logs.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// The subset of SARIF 2.1.0 that mlgate writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string          `json:"id"`
		ShortDescription     sarifText       `json:"shortDescription"`
		FullDescription      *sarifText      `json:"fullDescription,omitempty"`
		Help                 *sarifText      `json:"help,omitempty"`
		DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
		Properties           sarifRuleProps  `json:"properties"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Tags []string `json:"tags"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations,omitempty"`
		RelatedLocations    []sarifRelated    `json:"relatedLocations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifRelated struct {
		ID               int           `json:"id"`
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
		Message          sarifText     `json:"message"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
)

// SARIF renders the checks that did not pass in the documents as one SARIF
// 2.1.0 log for GitHub code scanning: one rule per check ID, one result per
// failed or warning check, located at the check's source (the gate file line,
// the policy rule) or else at the data file it concerns. Relative paths are
// relative to the repository root (%SRCROOT%), as code scanning expects.
func SARIF(docs []*evidence.Document) ([]byte, error) {
	driver := sarifDriver{Name: "mlgate", InformationURI: "https://github.com/mlgate/mlgate", Rules: []sarifRule{}}
	if len(docs) > 0 {
		driver.Version = docs[0].Tool.Version
	}
	results := []sarifResult{}
	ruleIndex := map[string]int{}
	for _, d := range docs {
		for _, c := range d.Checks {
			if c.Status == evidence.StatusPass {
				continue
			}
			level := "error"
			if c.Status == evidence.StatusWarn {
				level = "warning"
			}
			idx, ok := ruleIndex[c.ID]
			if !ok {
				idx = len(driver.Rules)
				ruleIndex[c.ID] = idx
				driver.Rules = append(driver.Rules, sarifRuleFor(d.Kind, c))
			}
			results = append(results, sarifResult{
				RuleID:           c.ID,
				RuleIndex:        idx,
				Level:            level,
				Message:          sarifText{Text: c.Message},
				Locations:        sarifLocations(d, c),
				RelatedLocations: sarifRelatedLocations(c),
				PartialFingerprints: map[string]string{
					"mlgateCheck/v1": fingerprint(string(d.Kind), d.Subject.Name, c.ID, c.Message),
				},
			})
		}
	}
	log := sarifLog{
		Schema:  SARIFSchema,
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sarifRuleFor(kind evidence.Kind, c evidence.Check) sarifRule {
	short := c.Title
	if short == "" {
		short = c.ID
	}
	r := sarifRule{
		ID:                   c.ID,
		ShortDescription:     sarifText{Text: short},
		DefaultConfiguration: sarifRuleConfig{Level: "error"},
		Properties:           sarifRuleProps{Tags: []string{"mlgate", string(kind)}},
	}
	if c.Severity == evidence.SeverityWarn {
		r.DefaultConfiguration.Level = "warning"
	}
	if c.Remediation != "" {
		r.Help = &sarifText{Text: c.Remediation}
	}
	return r
}

// sarifLocations places a result at the check's source, else at its data file,
// else at the subject's first file; a check with none of these has no location.
func sarifLocations(d *evidence.Document, c evidence.Check) []sarifLocation {
	var phys sarifPhysical
	switch {
	case c.Source != nil && c.Source.File != "":
		phys.ArtifactLocation = artifact(c.Source.File)
		if c.Source.Line > 0 {
			phys.Region = &sarifRegion{StartLine: c.Source.Line, StartColumn: c.Source.Column}
		}
	case c.Location != nil && c.Location.File != "":
		phys.ArtifactLocation = artifact(c.Location.File)
	case len(d.Subject.Files) > 0:
		phys.ArtifactLocation = artifact(d.Subject.Files[0].Path)
	default:
		return nil
	}
	return []sarifLocation{{PhysicalLocation: phys}}
}

// sarifRelatedLocations adds the data file a check concerns (for a metric, the
// metrics file that reported it) when the primary location is the rule.
func sarifRelatedLocations(c evidence.Check) []sarifRelated {
	if c.Source == nil || c.Source.File == "" || c.Location == nil || c.Location.File == "" {
		return nil
	}
	return []sarifRelated{{ID: 1, PhysicalLocation: sarifPhysical{ArtifactLocation: artifact(c.Location.File)}, Message: sarifText{Text: "the file checked"}}}
}

// artifact turns a file path into a SARIF artifact location: a percent-encoded
// relative URI against %SRCROOT%, or a file URI for an absolute path.
func artifact(path string) sarifArtifact {
	slashed := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: slashed}).String()}
	}
	slashed = strings.TrimPrefix(slashed, "./")
	return sarifArtifact{URI: (&url.URL{Path: slashed}).String(), URIBaseID: "%SRCROOT%"}
}

// fingerprint identifies a result across runs, so code scanning tracks an
// alert instead of opening a new one each time.
func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}
