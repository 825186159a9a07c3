package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
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

// SARIF is SARIFIn for the repository that holds the working directory (the
// nearest folder up from it with a .git), where CI runs mlgate.
func SARIF(docs []*evidence.Document) ([]byte, error) {
	dir, err := os.Getwd()
	if err != nil {
		return SARIFIn(docs, "", "")
	}
	return SARIFIn(docs, RepoRoot(dir), dir)
}

// RepoRoot is the nearest folder from dir up that holds .git, or "".
func RepoRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
}

// SARIFIn renders the checks that did not pass in the documents as one SARIF
// 2.1.0 log for GitHub code scanning: one rule per check ID, one result per
// failed or warning check, located at the check's source (the gate file line,
// the policy rule) or else at the data file it concerns. Paths in evidence are
// relative to dir (where mlgate ran); locations are relative to the repository
// root (%SRCROOT%), as code scanning expects, and a file outside root is never
// a location. With root "", relative paths are taken as relative to the root.
func SARIFIn(docs []*evidence.Document, root, dir string) ([]byte, error) {
	rel := repoPaths{root: root, dir: dir}
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
				Locations:        rel.locations(d, c),
				RelatedLocations: rel.related(c),
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

// sarifLocations places a result inside the repository, where code scanning
// can show it: at the check's source (the gate file line, the policy rule),
// else at its data file, else at the subject's first file. A rule of mlgate's
// policy library lives with mlgate, not in the repository: it is placed at the
// gate file that decided, as is any check whose source is an absolute path
// (outside the repository). A check with none of these has no location.
func (rp repoPaths) locations(d *evidence.Document, c evidence.Check) []sarifLocation {
	var phys sarifPhysical
	source, gate, located, first := "", rp.gateFile(d), "", ""
	if c.Source != nil {
		source = rp.path(c.Source.File)
	}
	if c.Location != nil {
		located = rp.path(c.Location.File)
	}
	if len(d.Subject.Files) > 0 {
		first = rp.path(d.Subject.Files[0].Path)
	}
	switch {
	case source != "" && !libraryRule(c):
		phys.ArtifactLocation = artifact(source)
		if c.Source.Line > 0 {
			phys.Region = &sarifRegion{StartLine: c.Source.Line, StartColumn: c.Source.Column}
		}
	case c.Source != nil && gate != "":
		phys.ArtifactLocation = artifact(gate)
		phys.Region = &sarifRegion{StartLine: 1}
	case located != "":
		phys.ArtifactLocation = artifact(located)
	case first != "":
		phys.ArtifactLocation = artifact(first)
	default:
		return nil
	}
	return []sarifLocation{{PhysicalLocation: phys}}
}

// libraryRule says whether a check is a rule of mlgate's policy library
// (package mlgate.*).
func libraryRule(c evidence.Check) bool { return strings.HasPrefix(c.ID, "policy.mlgate.") }

// gateFile is the gate file a promotion decision records, when it is a path
// inside the repository.
func (rp repoPaths) gateFile(d *evidence.Document) string {
	if d.Kind != evidence.KindPromotionDecision {
		return ""
	}
	var pd evidence.PromotionDetails
	if d.DetailsAs(&pd) != nil || pd.Config == nil {
		return ""
	}
	return rp.path(pd.Config.Path)
}

// repoPaths turns the paths evidence records into paths in the repository.
type repoPaths struct{ root, dir string }

// path is p relative to the repository root, or "" when p is outside it (or
// is no local path).
func (rp repoPaths) path(p string) string {
	if p == "" || strings.Contains(p, "://") {
		return ""
	}
	if rp.root != "" {
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(rp.dir, p)
		}
		r, err := filepath.Rel(rp.root, abs)
		if err != nil {
			return ""
		}
		p = r
	} else if filepath.IsAbs(p) {
		return ""
	}
	clean := filepath.ToSlash(filepath.Clean(p))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return ""
	}
	return clean
}

// sarifRelatedLocations adds the data file a check concerns (for a metric, the
// metrics file that reported it) when the primary location is the rule, and a
// library rule's own file when that is in the repository.
func (rp repoPaths) related(c evidence.Check) []sarifRelated {
	var out []sarifRelated
	if c.Source == nil {
		return nil
	}
	if source := rp.path(c.Source.File); source != "" && libraryRule(c) {
		phys := sarifPhysical{ArtifactLocation: artifact(source)}
		if c.Source.Line > 0 {
			phys.Region = &sarifRegion{StartLine: c.Source.Line, StartColumn: c.Source.Column}
		}
		out = append(out, sarifRelated{ID: len(out) + 1, PhysicalLocation: phys, Message: sarifText{Text: "the policy rule"}})
	}
	if c.Source.File != "" && c.Location != nil {
		if located := rp.path(c.Location.File); located != "" {
			out = append(out, sarifRelated{ID: len(out) + 1, PhysicalLocation: sarifPhysical{ArtifactLocation: artifact(located)}, Message: sarifText{Text: "the file checked"}})
		}
	}
	return out
}

// artifact turns a path in the repository (repoPaths.path) into a SARIF
// artifact location: a percent-encoded URI relative to %SRCROOT%.
func artifact(path string) sarifArtifact {
	return sarifArtifact{URI: (&url.URL{Path: path}).String(), URIBaseID: "%SRCROOT%"}
}

// fingerprint identifies a result across runs, so code scanning tracks an
// alert instead of opening a new one each time.
func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}
