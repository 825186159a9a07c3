package policy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	dir, _ := writeWithPython(t, makeModelFiles)
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

// makePickles writes the pickles of issue #10 that passed by extension and
// header alone, each under a name that does not say pickle, and proves Python
// loads every one (the truncated one runs its call before failing).
const makePickles = `
import os, pickle, pickletools, sys
d = sys.argv[1]
obj = {"coef": [0.1, 0.2], "name": "clf"}
for proto in range(6):
    open(os.path.join(d, "p%d.dat" % proto), "wb").write(pickle.dumps(obj, protocol=proto))
    assert pickle.loads(open(os.path.join(d, "p%d.dat" % proto), "rb").read()) == obj
headerless = pickle.dumps(obj, protocol=4)[2:]
open(os.path.join(d, "noheader.dat"), "wb").write(headerless)
assert pickle.loads(headerless) == obj
truncated = b"cbuiltins\nprint\n(S'LOADED'\ntR"
open(os.path.join(d, "truncated.dat"), "wb").write(truncated)
try:
    pickle.loads(truncated)
except Exception:
    pass
os.makedirs(os.path.join(d, ".cache"))
open(os.path.join(d, ".cache", "clf.bin"), "wb").write(pickle.dumps(obj, protocol=1) + b"\0" * 100)
assert pickle.loads(open(os.path.join(d, ".cache", "clf.bin"), "rb").read()) == obj
`

func TestSniffPicklesByOpcodes(t *testing.T) {
	dir, out := writeWithPython(t, makePickles)
	if !strings.Contains(out, "LOADED") {
		t.Fatalf("Python did not run the truncated pickle's call: %s", out)
	}
	// Text and raw weights that happen to start with opcode bytes are not pickles.
	for name, content := range map[string]string{
		"README.md": "# Model\n\nhello world\n", "vocab.txt": "hello\nlist\n(\n", "config.json": `{"a": 1}`,
		"numbers.txt": "I42\n", "weights.raw": "\x00\x00\x00?\x00\x00\xc0?",
	} {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	var m Model
	if err := m.ListModelFiles(dir); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range m.Files {
		got[f.Path] = f.Format
	}
	want := map[string]string{
		"p0.dat": FormatPickle, "p1.dat": FormatPickle, "p2.dat": FormatPickle, "p3.dat": FormatPickle,
		"p4.dat": FormatPickle, "p5.dat": FormatPickle, "noheader.dat": FormatPickle, "truncated.dat": FormatPickle,
		".cache/clf.bin": FormatPickle,
		"README.md":      FormatOther, "vocab.txt": FormatOther, "config.json": FormatOther, "numbers.txt": FormatOther, "weights.raw": FormatOther,
	}
	for name, format := range want {
		if got[name] != format {
			t.Errorf("%s: %q, want %q", name, got[name], format)
		}
	}
	if len(got) != len(want) {
		t.Errorf("listed %v", got)
	}
}

// makeHiddenPickles writes pickles whose shape hid them, each of which
// Python runs (it prints RAN-<name>): a value left under the one STOP
// returns, garbage after the call, and a GGUF magic whose 'G' (BINFLOAT)
// swallows the header, under names torch.load and pickle.load read.
const makeHiddenPickles = `
import os, pickle, sys
d = sys.argv[1]
call = lambda name: b"cbuiltins\nprint\n(S'RAN-" + name.encode() + b"'\ntR"
files = {
    "extra.bin": call("extra") + b"N.",
    "garbage.bin": call("garbage") + b"\x00\x00",
    "model.pt": b"GGUF\x03\x00\x00\x00\x01" + call("gguf") + b".",
    "noargs.pt": b"GGUF\x03\x00\x00\x00\x01cbuiltins\nprint\n)R.",
}
for name, data in files.items():
    open(os.path.join(d, name), "wb").write(data)
    try:
        pickle.loads(data)
    except Exception:
        pass
`

func TestSniffPicklesThatHideTheirShape(t *testing.T) {
	dir, out := writeWithPython(t, makeHiddenPickles)
	for _, ran := range []string{"RAN-extra", "RAN-garbage", "RAN-gguf"} {
		if !strings.Contains(out, ran) {
			t.Fatalf("Python did not run %s: %s", ran, out)
		}
	}
	for _, name := range []string{"extra.bin", "garbage.bin", "model.pt", "noargs.pt"} {
		if got := Sniff(filepath.Join(dir, name)); got != FormatPickle {
			t.Errorf("%s: %q, want %q", name, got, FormatPickle)
		}
	}
}

// makeObjectArrays writes NumPy arrays of Python objects, which
// numpy.load(allow_pickle=True) unpickles (it prints RAN-npy and RAN-npz),
// and a header written by hand with the plain 'O' code NumPy also reads.
const makeObjectArrays = `
import os, sys
import numpy as np
d = sys.argv[1]
class Call:
    def __init__(self, what): self.what = what
    def __reduce__(self): return (print, (self.what,))
np.save(os.path.join(d, "emb.npy"), np.array([Call("RAN-npy")], dtype=object), allow_pickle=True)
np.load(os.path.join(d, "emb.npy"), allow_pickle=True)
np.savez_compressed(os.path.join(d, "arrays.npz"), w=np.zeros(2), o=np.array([Call("RAN-npz")], dtype=object))
np.load(os.path.join(d, "arrays.npz"), allow_pickle=True)["o"]
np.save(os.path.join(d, "fields.npy"), np.zeros(1, dtype=[("w", "<f4"), ("o", "O")]), allow_pickle=True)
raw = open(os.path.join(d, "emb.npy"), "rb").read().replace(b"'|O'", b"'O' ", 1)
open(os.path.join(d, "plain.npy"), "wb").write(raw)
assert np.load(os.path.join(d, "plain.npy"), allow_pickle=True).dtype == object
np.savez(os.path.join(d, "numbers.npz"), w=np.arange(3, dtype=np.float32))
`

// NumPy object arrays are pickles: the serialization rule took them (and
// .npz archives of them) for safe NumPy.
func TestSniffNumPyObjectArrays(t *testing.T) {
	dir, out := writeWithPython(t, makeObjectArrays)
	for _, ran := range []string{"RAN-npy", "RAN-npz"} {
		if !strings.Contains(out, ran) {
			t.Fatalf("NumPy did not run %s: %s", ran, out)
		}
	}
	for name, want := range map[string]string{"emb.npy": FormatPickle, "arrays.npz": FormatPickle, "fields.npy": FormatPickle,
		"plain.npy": FormatPickle, "numbers.npz": FormatZip} {
		if got := Sniff(filepath.Join(dir, name)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// A file with a zip header that Go's reader cannot open is not read (""),
// not "other": torch.load's own zip reader may open it, and a .bin the gate
// did not read is refused.
func TestSniffUnreadableZip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pytorch_model.bin")
	if err := os.WriteFile(p, []byte("PK\x03\x04not really a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Sniff(p); got != "" {
		t.Fatalf("%q, want \"\" (not read)", got)
	}
}

// writeWithPython runs script with Debian's python3 and NumPy (python3-scipy,
// installed by make tools) to write model files into a new folder, the
// script's argument; it returns the folder and what the script printed (the
// calls Python ran while loading the files back).
func writeWithPython(t *testing.T, script string) (dir, out string) {
	t.Helper()
	python := testenv.Python3SciPy(t)
	dir = t.TempDir()
	b, err := exec.Command(python, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, b)
	}
	return dir, string(b)
}

// makeJoblibFiles has joblib write a pickle that calls print under every
// compressor it offers, named as weights (joblib.load tells the compressor by
// its magic bytes, not the name), loads each back, and writes compressed
// bytes that are not a pickle.
const makeJoblibFiles = `
import gzip, joblib, os, struct, sys
d = sys.argv[1]
class Call:
    def __init__(self, s): self.s = s
    def __reduce__(self): return (print, (self.s,))
for c in ["zlib", "gzip", "bz2", "xz", "lzma"]:
    p = os.path.join(d, c + ".bin")
    joblib.dump(Call("RAN-" + c), p, compress=(c, 3))
    joblib.load(p)
open(os.path.join(d, "floats.bin"), "wb").write(gzip.compress(struct.pack("<64f", *range(64))))
`

// Pickles compressed the way joblib writes them are pickles: joblib.load
// runs them whatever their name, and the serialization rule took a
// weights.bin of zlib for raw weights.
func TestSniffJoblibCompressedPickles(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import joblib").Run(); err != nil {
		if testenv.InCI() {
			t.Fatalf("joblib for /usr/bin/python3 is required in CI: %v", err)
		}
		t.Skip("skipped: /usr/bin/python3 has no joblib (make tools installs python3-joblib)")
	}
	dir, out := writeWithPython(t, makeJoblibFiles)
	for _, c := range []string{"zlib", "gzip", "bz2", "xz", "lzma"} {
		if !strings.Contains(out, "RAN-"+c) {
			t.Fatalf("joblib did not run the %s pickle: %s", c, out)
		}
		if got := Sniff(filepath.Join(dir, c+".bin")); got != FormatPickle {
			t.Errorf("%s.bin: %q, want %q", c, got, FormatPickle)
		}
	}
	if got := Sniff(filepath.Join(dir, "floats.bin")); got != FormatOther {
		t.Errorf("gzip of floats: %q, want %q", got, FormatOther)
	}
}

// FuzzCompressedPickle: any head, compressed or not, is judged without a
// panic, and never inflates beyond the window.
func FuzzCompressedPickle(f *testing.F) {
	f.Add([]byte("x\x9c\x03\x00\x00\x00\x00\x01"))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"))
	f.Add([]byte("BZh91AY&SY"))
	f.Add([]byte("\xfd7zXZ\x00\x00\x04"))
	f.Add(append([]byte{0x5d, 0, 0, 0x40, 0}, bytes.Repeat([]byte{0xff}, 9)...))
	f.Fuzz(func(t *testing.T, head []byte) {
		sniffCompressed(head)
	})
}
