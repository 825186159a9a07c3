package oci

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"

	"github.com/mlgate/mlgate/pkg/progress"
	"github.com/mlgate/mlgate/pkg/signing"
)

// CNCF ModelPack media types and annotations (modelpack/model-spec).
const (
	ModelArtifactType  = "application/vnd.cncf.model.manifest.v1+json"
	ModelConfigType    = "application/vnd.cncf.model.config.v1+json"
	MediaTypeWeight    = "application/vnd.cncf.model.weight.v1.raw"
	MediaTypeWeightCfg = "application/vnd.cncf.model.weight.config.v1.raw"
	MediaTypeDoc       = "application/vnd.cncf.model.doc.v1.raw"
	MediaTypeCode      = "application/vnd.cncf.model.code.v1.raw"
	MediaTypeDataset   = "application/vnd.cncf.model.dataset.v1.raw"
	AnnotationFilepath = "org.cncf.model.filepath"
	AnnotationUntested = "org.cncf.model.file.mediatype.untested"
)

// Limits on what a registry may send back before it is read: manifests and
// configs are small documents; a larger one is hostile.
const (
	maxManifest = 4 << 20
	maxConfig   = 4 << 20
	maxLayers   = 100_000
)

//go:embed modelpack-config-schema.json
var configSchemaJSON []byte

// ModelConfig is the ModelPack model config (only the fields mlgate fills).
type ModelConfig struct {
	Descriptor struct {
		Name        string     `json:"name,omitempty"`
		Version     string     `json:"version,omitempty"`
		Licenses    []string   `json:"licenses,omitempty"`
		Description string     `json:"description,omitempty"`
		CreatedAt   *time.Time `json:"createdAt,omitempty"`
	} `json:"descriptor"`
	Config  map[string]any `json:"config"`
	ModelFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diffIds"`
	} `json:"modelfs"`
}

// mediaTypeFor classifies a model file by its role, as ModelPack packers do
// by name; a guess is marked untested, as the spec asks.
func mediaTypeFor(name string) (mt string, tested bool) {
	base := strings.ToLower(path.Base(name))
	ext := path.Ext(base)
	switch ext {
	case ".safetensors", ".bin", ".gguf", ".pt", ".pth", ".onnx", ".h5", ".ckpt", ".pb", ".tflite", ".msgpack", ".joblib", ".pkl", ".keras", ".mlmodel", ".ubj":
		return MediaTypeWeight, true
	case ".py", ".sh", ".ipynb", ".js", ".go", ".rs", ".c", ".cpp", ".h":
		return MediaTypeCode, true
	case ".parquet", ".csv", ".jsonl", ".arrow", ".tsv":
		return MediaTypeDataset, true
	case ".md", ".rst", ".pdf", ".html":
		return MediaTypeDoc, true
	}
	switch {
	case strings.HasPrefix(base, "readme"), strings.HasPrefix(base, "license"), strings.HasPrefix(base, "notice"):
		return MediaTypeDoc, true
	case ext == ".json", ext == ".yaml", ext == ".yml", ext == ".txt", ext == ".model", ext == ".tiktoken", ext == ".toml":
		return MediaTypeWeightCfg, true
	}
	return MediaTypeWeightCfg, false
}

func isModelLayer(mt string) bool {
	switch mt {
	case MediaTypeWeight, MediaTypeWeightCfg, MediaTypeDoc, MediaTypeCode, MediaTypeDataset:
		return true
	}
	return false
}

// validateConfig checks a model config against the ModelPack JSON schema.
func validateConfig(doc []byte) error {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(configSchemaJSON))
	if err != nil {
		return err
	}
	if err := c.AddResource("modelpack-config.json", schema); err != nil {
		return err
	}
	sch, err := c.Compile("modelpack-config.json")
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("model config is not JSON: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("model config does not follow the ModelPack schema: %w", err)
	}
	return nil
}

// Pushed is what Push stored.
type Pushed struct {
	Manifest ocispec.Descriptor
	Files    int
	Bytes    int64
}

// Card is what a model card says about the model, for the ModelPack
// config's descriptor and the manifest's OCI annotations.
type Card struct {
	Name, Version, Description string
	Licenses                   []string
}

// annotations are the card's OCI image annotations.
func (c *Card) annotations(into map[string]string) {
	for k, v := range map[string]string{ocispec.AnnotationTitle: c.Name, ocispec.AnnotationVersion: c.Version,
		ocispec.AnnotationDescription: c.Description, ocispec.AnnotationLicenses: strings.Join(c.Licenses, " AND ")} {
		if v != "" {
			into[k] = v
		}
	}
}

// Push packs a model folder as a ModelPack artifact, one raw layer per file
// (so each layer digest is the file's SHA-256), streamed from disk, and tags
// it when the reference has a tag. Files are those a model signature covers:
// git metadata is left out, symlinks are refused.
// A card, when given, names the model and gives its version, licences and
// description.
func Push(ctx context.Context, c *Client, dir string, card *Card) (*Pushed, error) {
	m, err := signing.HashModel(ctx, dir, signing.HashOptions{IgnorePaths: signing.DefaultIgnorePaths()})
	if err != nil {
		return nil, err
	}
	if len(m.Resources) == 0 {
		return nil, fmt.Errorf("model %s has no files to push", dir)
	}
	if len(m.Resources) > maxLayers {
		return nil, fmt.Errorf("model %s has %d files, more than %d layers", dir, len(m.Resources), maxLayers)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	out := &Pushed{}
	var layers []ocispec.Descriptor
	cfg := ModelConfig{}
	cfg.Descriptor.Name = m.Name
	annotations := map[string]string{ocispec.AnnotationTitle: m.Name}
	if card != nil {
		// The descriptor keeps the folder's name: the model signature computed
		// from the layers names the model as signing the folder does.
		card.annotations(annotations)
		cfg.Descriptor.Version, cfg.Descriptor.Licenses, cfg.Descriptor.Description = card.Version, card.Licenses, card.Description
	}
	cfg.Config = map[string]any{}
	cfg.ModelFS.Type = "layers"
	for _, r := range m.Resources {
		mt, tested := mediaTypeFor(r.Path)
		desc := ocispec.Descriptor{
			MediaType: mt,
			Digest:    digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(r.Digest)),
			Size:      r.Size,
			Annotations: map[string]string{
				AnnotationFilepath:      r.Path,
				ocispec.AnnotationTitle: r.Path,
				AnnotationUntested:      fmt.Sprint(!tested),
			},
		}
		if err := pushFile(ctx, c, filepath.Join(dir, filepath.FromSlash(r.Path)), desc); err != nil {
			return nil, err
		}
		layers = append(layers, desc)
		cfg.ModelFS.DiffIDs = append(cfg.ModelFS.DiffIDs, desc.Digest.String())
		out.Files++
		out.Bytes += r.Size
	}
	created := st.ModTime().UTC().Truncate(time.Second)
	cfg.Descriptor.CreatedAt = &created
	annotations[ocispec.AnnotationCreated] = created.Format(time.RFC3339)
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	if err := validateConfig(cfgJSON); err != nil {
		return nil, err
	}
	cfgDesc := content.NewDescriptorFromBytes(ModelConfigType, cfgJSON)
	if err := pushBlob(ctx, c, cfgDesc, bytes.NewReader(cfgJSON)); err != nil {
		return nil, err
	}
	mdesc, err := oras.PackManifest(ctx, c.Repo, oras.PackManifestVersion1_1, ModelArtifactType, oras.PackManifestOptions{
		Layers:              layers,
		ConfigDescriptor:    &cfgDesc,
		ManifestAnnotations: annotations,
	})
	if err != nil {
		return nil, fmt.Errorf("pushing the manifest: %w", err)
	}
	if tag := c.Ref.Reference.Reference; tag != "" && !c.Ref.HasDigest() {
		if err := c.Repo.Tag(ctx, mdesc, tag); err != nil {
			return nil, fmt.Errorf("tagging %s: %w", c.Ref, err)
		}
	}
	out.Manifest = mdesc
	return out, nil
}

// pushFile uploads one file unless the registry has it; the registry checks
// the digest, so a file that changed since it was hashed is refused.
func pushFile(ctx context.Context, c *Client, p string, desc ocispec.Descriptor) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	task := progress.Start(ctx, "pushing "+path.Base(filepath.ToSlash(p)), progress.Bytes, desc.Size)
	defer task.Done()
	if err := pushBlob(ctx, c, desc, progress.Reader(f, task)); err != nil {
		return fmt.Errorf("pushing %s: %w", p, err)
	}
	return nil
}

func pushBlob(ctx context.Context, c *Client, desc ocispec.Descriptor, r io.Reader) error {
	ok, err := c.Repo.Exists(ctx, desc)
	if err != nil || ok {
		return err
	}
	return c.Repo.Push(ctx, desc, r)
}

// Model is a ModelPack artifact read from a registry: its manifest and config.
type Model struct {
	Descriptor ocispec.Descriptor
	Manifest   ocispec.Manifest
	Config     ModelConfig
}

// Resolve finds the manifest a reference names (a tag is resolved to the
// digest it points at now).
func Resolve(ctx context.Context, c *Client) (ocispec.Descriptor, error) {
	ref := c.Ref.Reference.Reference
	if ref == "" {
		return ocispec.Descriptor{}, fmt.Errorf("%s names no tag or digest", c.Ref)
	}
	d, err := c.Repo.Resolve(ctx, ref)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("resolving %s: %w", c.Ref, err)
	}
	return d, nil
}

// fetchManifest reads and parses an image manifest, bounded and checked
// against its digest.
func fetchManifest(ctx context.Context, c *Client, desc ocispec.Descriptor) (ocispec.Manifest, error) {
	var m ocispec.Manifest
	if desc.Size > maxManifest {
		return m, fmt.Errorf("manifest %s is %d bytes, more than %d", desc.Digest, desc.Size, maxManifest)
	}
	data, err := content.FetchAll(ctx, c.Repo, desc)
	if err != nil {
		return m, fmt.Errorf("fetching manifest %s: %w", desc.Digest, err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	if m.MediaType != "" && m.MediaType != ocispec.MediaTypeImageManifest {
		return m, fmt.Errorf("manifest %s has media type %q, not an OCI image manifest", desc.Digest, m.MediaType)
	}
	return m, nil
}

// FetchModel reads a ModelPack manifest and config (never the layers) and
// checks both: artifact type, config schema, one file path per layer, and
// the config's layer list matching the manifest's.
func FetchModel(ctx context.Context, c *Client, desc ocispec.Descriptor) (*Model, error) {
	m, err := fetchManifest(ctx, c, desc)
	if err != nil {
		return nil, err
	}
	if m.ArtifactType != ModelArtifactType && m.Config.MediaType != ModelConfigType {
		return nil, fmt.Errorf("%s is not a ModelPack model (artifact type %q)", desc.Digest, m.ArtifactType)
	}
	if m.Config.MediaType != ModelConfigType || m.Config.Size > maxConfig {
		return nil, fmt.Errorf("model %s: config %s (%d bytes) is not a ModelPack model config", desc.Digest, m.Config.MediaType, m.Config.Size)
	}
	if len(m.Layers) > maxLayers {
		return nil, fmt.Errorf("model %s has %d layers, more than %d", desc.Digest, len(m.Layers), maxLayers)
	}
	raw, err := content.FetchAll(ctx, c.Repo, m.Config)
	if err != nil {
		return nil, fmt.Errorf("model %s: config: %w", desc.Digest, err)
	}
	if err := validateConfig(raw); err != nil {
		return nil, fmt.Errorf("model %s: %w", desc.Digest, err)
	}
	out := &Model{Descriptor: desc, Manifest: m}
	if err := json.Unmarshal(raw, &out.Config); err != nil {
		return nil, fmt.Errorf("model %s: config: %w", desc.Digest, err)
	}
	seen := map[string]bool{}
	for i, l := range m.Layers {
		p, err := layerPath(l)
		if err != nil {
			return nil, fmt.Errorf("model %s: layer %d (%s): %w", desc.Digest, i, l.Digest, err)
		}
		if seen[p] {
			return nil, fmt.Errorf("model %s: two layers claim the file %q", desc.Digest, p)
		}
		seen[p] = true
		if l.Digest.Algorithm() != digest.SHA256 || l.Digest.Validate() != nil {
			return nil, fmt.Errorf("model %s: layer %q has digest %q, not sha256", desc.Digest, p, l.Digest)
		}
	}
	return out, nil
}

// layerPath is the model-relative file a raw model layer holds, refused when
// it could escape the model folder.
func layerPath(l ocispec.Descriptor) (string, error) {
	if !isModelLayer(l.MediaType) {
		return "", fmt.Errorf("media type %q is not a raw ModelPack layer", l.MediaType)
	}
	p := l.Annotations[AnnotationFilepath]
	if p == "" {
		p = l.Annotations[ocispec.AnnotationTitle]
	}
	return localPath(p)
}

// localPath accepts a slash-separated relative path that stays inside its
// folder: no "..", no absolute path, no backslash, nothing to clean.
func localPath(p string) (string, error) {
	if p == "" {
		return "", errors.New("layer names no file path")
	}
	if strings.Contains(p, `\`) || path.Clean(p) != p || !filepath.IsLocal(filepath.FromSlash(p)) || strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("file path %q is not a plain relative path inside the model", p)
	}
	return p, nil
}

// SigningManifest is the OpenSSF model-signing manifest of a ModelPack model,
// computed from its layer digests without reading the layers: the same
// statement `sign` makes for the folder the model pulls to.
func (m *Model) SigningManifest() (*signing.Manifest, error) {
	var rs []signing.Resource
	for _, l := range m.Manifest.Layers {
		p, err := layerPath(l)
		if err != nil {
			return nil, err
		}
		d, err := hex.DecodeString(l.Digest.Encoded())
		if err != nil {
			return nil, err
		}
		rs = append(rs, signing.Resource{Name: p, Path: p, End: l.Size, Algorithm: "sha256", Digest: d, Size: l.Size})
	}
	return signing.FilesManifest(m.Config.Descriptor.Name, signing.DefaultIgnorePaths(), rs)
}

// Pull writes a ModelPack model into dir (which must not exist or be empty),
// streaming each layer and checking its digest; a layer that does not match
// is an error naming its file, and the partial file is removed.
func Pull(ctx context.Context, c *Client, desc ocispec.Descriptor, dir string) (*Model, error) {
	m, err := FetchModel(ctx, c, desc)
	if err != nil {
		return nil, err
	}
	root, err := openEmptyDir(dir, "pull")
	if err != nil {
		return nil, err
	}
	defer root.Close()
	for _, l := range m.Manifest.Layers {
		p, _ := layerPath(l)
		if err := pullLayer(ctx, c, root, p, l); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func pullLayer(ctx context.Context, c *Client, root *os.Root, p string, l ocispec.Descriptor) error {
	if d := path.Dir(p); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("layer %q: %w", p, err)
		}
	}
	rc, err := c.Repo.Fetch(ctx, l)
	if err != nil {
		return fmt.Errorf("fetching layer %q (%s): %w", p, l.Digest, err)
	}
	defer rc.Close()
	f, err := root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("layer %q: %w", p, err)
	}
	task := progress.Start(ctx, "pulling "+p, progress.Bytes, l.Size)
	defer task.Done()
	vr := content.NewVerifyReader(progress.Reader(rc, task), l)
	_, err = io.Copy(f, vr)
	if err == nil {
		err = vr.Verify()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		root.Remove(p)
		return fmt.Errorf("layer %q (%s) does not match its digest: %w", p, l.Digest, err)
	}
	return nil
}

// openEmptyDir creates dir, or takes it when it exists and is empty, and
// opens it as a root: files pulled into it cannot be written outside it.
func openEmptyDir(dir, what string) (*os.Root, error) {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s into %s: the folder is not empty", what, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenRoot(dir)
}
