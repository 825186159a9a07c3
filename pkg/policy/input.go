package policy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/mlgate/mlgate/internal/yamlx"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// InputKind is the kind of the input document policies receive.
const InputKind = "PolicyInput"

// Input is the document every policy sees as `input`. It is versioned by
// APIVersion and described by InputSchemaJSON; fields are only ever added
// within a version.
type Input struct {
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind"`
	Model      Model   `json:"model"`
	Metrics    Metrics `json:"metrics"`
	// Evidence holds every evidence document given to the gate, by kind
	// (DataValidation, DriftReport, Verification, ...), whole.
	Evidence map[evidence.Kind][]*evidence.Document `json:"evidence"`
	GitHub   *GitHub                                `json:"github,omitempty"`
}

// Model is what is known about the candidate model.
type Model struct {
	Name string `json:"name,omitempty"`
	// Metadata is the model card's YAML front matter (license, base_model,
	// tags, ...) or the content of a metadata file.
	Metadata map[string]any `json:"metadata"`
	// Sections lists the model card's headings, as written.
	Sections []string `json:"sections"`
	// Card is the model card or metadata file the above came from.
	Card string `json:"card,omitempty"`
	// Files lists the model's files (paths relative to the model folder), so
	// policies can judge serialization formats.
	Files []ModelFile `json:"files"`
}

// ModelFile is one file of the model.
type ModelFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// Format is what Sniff recognised in the content (pickle, pytorch,
	// safetensors, ...; "other" when nothing), "" when it was not read.
	Format string `json:"format,omitempty"`
	// SHA256 is the file's digest (hex) once the model was hashed: an
	// exemption names the exact bytes it allows by it, since the model's
	// name and paths are the pull request's to choose.
	SHA256 string `json:"sha256,omitempty"`
}

// Metrics holds the candidate's and the baseline's metrics and the metric
// gate's results.
type Metrics struct {
	Candidate map[string]float64      `json:"candidate"`
	Baseline  map[string]float64      `json:"baseline"`
	Results   []evidence.MetricResult `json:"results"`
}

// GitHub is the git and GitHub context of the run.
type GitHub struct {
	Repository  string       `json:"repository,omitempty"`
	SHA         string       `json:"sha,omitempty"`
	Ref         string       `json:"ref,omitempty"`
	Event       string       `json:"event,omitempty"`
	Actor       string       `json:"actor,omitempty"`
	PullRequest *PullRequest `json:"pullRequest,omitempty"`
}

// PullRequest is the pull request the run belongs to.
type PullRequest struct {
	Number int      `json:"number"`
	Labels []string `json:"labels"`
}

// NewInput starts an input document with empty collections, so policies can
// iterate them without guarding against undefined.
func NewInput() *Input {
	return &Input{
		APIVersion: evidence.APIVersion,
		Kind:       InputKind,
		Model:      Model{Metadata: map[string]any{}, Sections: []string{}, Files: []ModelFile{}},
		Metrics:    Metrics{Candidate: map[string]float64{}, Baseline: map[string]float64{}, Results: []evidence.MetricResult{}},
		Evidence:   map[evidence.Kind][]*evidence.Document{},
	}
}

// AddEvidence files a document under its kind.
func (in *Input) AddEvidence(d *evidence.Document) {
	in.Evidence[d.Kind] = append(in.Evidence[d.Kind], d)
}

// maxModelCard bounds what LoadModelCard reads, so weights given by mistake
// fail fast instead of being read whole.
const maxModelCard = 16 << 20

// frontMatter matches a model card's leading YAML block.
var frontMatter = regexp.MustCompile(`(?s)\A---\r?\n(.*?)\r?\n---\r?\n?`)

// LoadModelCard reads a model card (markdown with YAML front matter, as on
// Hugging Face) or a metadata file (.yaml, .yml, .json) into m.
func (m *Model) LoadModelCard(path string) error {
	data, err := readlimit.ReadFile(path, maxModelCard, "a model card")
	if err != nil {
		return fmt.Errorf("reading model card: %w", err)
	}
	return m.parseModelCard(path, data)
}

// parseModelCard is LoadModelCard on the file's content.
func (m *Model) parseModelCard(path string, data []byte) error {
	m.Card = path
	meta := map[string]any{}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		if err := decodeYAML(path, data, "", &meta); err != nil {
			return err
		}
	default:
		if fm := frontMatter.FindSubmatch(data); fm != nil {
			// The whole block, markers included, keeps the card's line numbers.
			if err := decodeYAML(path, fm[0], "front matter: ", &meta); err != nil {
				return err
			}
			data = data[len(fm[0]):]
		}
		m.Sections = headings(data)
	}
	if meta == nil {
		meta = map[string]any{}
	}
	m.Metadata = meta
	// The card's own name beats the folder's.
	if name, ok := meta["model_name"].(string); ok && name != "" {
		m.Name = name
	}
	return nil
}

// decodeYAML decodes YAML (or JSON) into v through yamlx (errors at
// file:line:column, what prefixing the message), keeping the result
// JSON-compatible.
func decodeYAML(file string, data []byte, what string, v *map[string]any) error {
	doc, err := yamlx.Parse(file, data)
	if err == nil {
		err = doc.Decode(v)
	}
	if err != nil {
		var ye *yamlx.Error
		if errors.As(err, &ye) {
			ye.Msg = what + ye.Msg
		}
		return err
	}
	// Round-trip through JSON to reject what the input cannot hold (YAML
	// maps with non-string keys) with a clear error.
	raw, err := json.Marshal(*v)
	if err != nil {
		return &yamlx.Error{File: file, Msg: what + "not representable as JSON: " + err.Error()}
	}
	return json.Unmarshal(raw, v)
}

// headings lists the markdown ATX headings outside fenced code blocks.
func headings(md []byte) []string {
	out := []string{}
	fenced := false
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimLeft(line, "#")
		if level := len(line) - len(text); level > 6 || (text != "" && text[0] != ' ' && text[0] != '\t') {
			continue
		}
		if text = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), "#")); text != "" {
			out = append(out, text)
		}
	}
	return out
}

// ListModelFiles lists a model file or the files under a model folder, with
// paths relative to the folder (or the file's name), sorted, and the format
// each file's content shows.
func (m *Model) ListModelFiles(root string) error {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if m.Name == "" {
		m.Name = filepath.Base(filepath.Clean(root))
	}
	if !st.IsDir() {
		m.Files = append(m.Files, ModelFile{Path: filepath.Base(root), Size: st.Size(), Format: Sniff(root)})
		return nil
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil // hidden folders too: Python loads a pickle from .cache as well
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m.Files = append(m.Files, ModelFile{Path: filepath.ToSlash(rel), Size: info.Size(), Format: Sniff(p)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("model %s: %w", root, err)
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	return nil
}
