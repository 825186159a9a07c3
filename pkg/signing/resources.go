package signing

import "fmt"

// FilesManifest builds a files-method manifest from digests computed
// elsewhere (a registry's layer digests), ordered as HashModel orders them,
// so its statement equals the one for the same files hashed from disk.
func FilesManifest(name string, ignorePaths []string, rs []Resource) (*Manifest, error) {
	ignore, err := CleanIgnorePaths(ignorePaths)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Algorithm != "sha256" || len(r.Digest) != 32 || r.Name != r.Path {
			return nil, fmt.Errorf("resource %q is not a sha256 file digest", r.Name)
		}
	}
	m := &Manifest{Name: name, Method: MethodFiles, IgnorePaths: ignore, Recorded: len(ignore) > 0,
		Resources: append([]Resource(nil), rs...)}
	sortResources(m.Resources)
	return m, nil
}
