package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEndlessInputsAreRefused: every file mlgate reads is read with a bound,
// so /dev/zero (size 0 to stat, endless to read) given for any input is exit
// 2 naming the file and its limit, never an out-of-memory death.
func TestEndlessInputsAreRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := os.MkdirAll(model, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(model, "w.bin"), []byte("weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := writeTable(t, dir, "a.parquet", 100, 100, 1)
	b := writeTable(t, dir, "b.parquet", 100, 100, 2)
	keyless := []string{"--certificate-identity", "x", "--certificate-oidc-issuer", "y"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"contract", []string{"validate", "-c", "/dev/zero", a}, "/dev/zero: larger than 8 MiB"},
		{"drift config", []string{"drift", "--config", "/dev/zero", "--reference", a, b}, "/dev/zero: larger than 1 MiB, not a drift config"},
		{"policy input", []string{"policy", "eval", "--input", "/dev/zero"}, "/dev/zero: larger than 64 MiB, not a policy input document"},
		{"trusted root", append([]string{"verify", "--trusted-root", "/dev/zero"}, append(keyless, model)...), "/dev/zero: larger than 4 MiB, not a Sigstore trusted root"},
		{"certificate chain", append([]string{"verify", "--certificate-chain", "/dev/zero"}, append(keyless, model)...), "/dev/zero: larger than 1 MiB, not a certificate chain"},
		{"public key", []string{"verify", "--key", "/dev/zero", model}, "/dev/zero: larger than 1 MiB, not a key"},
		{"identity token", []string{"sign", "--keyless", "--identity-token", "/dev/zero", model}, "/dev/zero: larger than 64 KiB, not an identity token"},
		{"metrics", []string{"gate", "--config", "/dev/zero", "--metrics", "/dev/zero"}, "/dev/zero: larger than 64 MiB, not a metrics file"},
		{"evidence", []string{"report", "/dev/zero"}, "/dev/zero: larger than 64 MiB, not an evidence document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, nil, c.args...)
			r.wantCode(t, 2)
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q does not say %q", r.stderr, c.want)
			}
		})
	}
}
