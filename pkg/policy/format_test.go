package policy

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// makeModelFiles writes files the way Python's libraries write them: pickle,
// torch.save's zip layout, numpy.save, the safetensors layout, OpenVINO-style
// raw weights.
const makeModelFiles = `
import json, os, pickle, struct, sys, zipfile
import numpy as np
d = sys.argv[1]
with open(os.path.join(d, "model.pkl"), "wb") as f:
    pickle.dump({"coef": [0.1, 0.2]}, f, protocol=4)
with zipfile.ZipFile(os.path.join(d, "pytorch_model.bin"), "w") as z:
    z.writestr("archive/data.pkl", pickle.dumps({"weight": 1}, protocol=2))
    z.writestr("archive/data/0", b"\0" * 16)
with zipfile.ZipFile(os.path.join(d, "assets.zip"), "w") as z:
    z.writestr("vocab.txt", "a\nb\n")
np.save(os.path.join(d, "arr.npy"), np.arange(4, dtype=np.float32))
header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
with open(os.path.join(d, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + b"\0" * 8)
with open(os.path.join(d, "openvino_model.bin"), "wb") as f:
    f.write(struct.pack("<4f", 0.5, 1.5, -2.0, 3.25))
with open(os.path.join(d, "model.gguf"), "wb") as f:
    f.write(b"GGUF" + struct.pack("<I", 3) + b"\0" * 16)
with open(os.path.join(d, "model.onnx"), "wb") as f:
    f.write(bytes([0x08, 0x08, 0x12, 0x04]) + b"test")
`

func TestSniff(t *testing.T) {
	// Debian's python3, which has NumPy (python3-scipy, installed by make tools).
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		if testenv.InCI() {
			t.Fatalf("%s with NumPy is required in CI: %v", python, err)
		}
		t.Skipf("skipped: %s has no NumPy (make tools installs python3-scipy)", python)
	}
	dir := t.TempDir()
	if out, err := exec.Command(python, "-c", makeModelFiles, dir).CombinedOutput(); err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	want := map[string]string{
		"model.pkl":          FormatPickle,
		"pytorch_model.bin":  FormatPyTorch,
		"assets.zip":         FormatZip,
		"arr.npy":            FormatNumPy,
		"model.safetensors":  FormatSafetensors,
		"openvino_model.bin": FormatOther,
		"model.gguf":         FormatGGUF,
		"model.onnx":         FormatONNX,
		"absent":             "",
	}
	for name, format := range want {
		if got := Sniff(filepath.Join(dir, name)); got != format {
			t.Errorf("%s: %q, want %q", name, got, format)
		}
	}
}
