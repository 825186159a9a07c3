package policy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Model file formats that Sniff recognises by content. Policies judge formats
// by these rather than by extension where they can: a .bin file is a pickled
// PyTorch checkpoint in one repository and raw OpenVINO weights in another.
const (
	FormatPickle      = "pickle"      // a pickle opcode stream (any protocol, header or not)
	FormatPyTorch     = "pytorch"     // a PyTorch zip archive, which holds a pickle
	FormatZip         = "zip"         // another zip archive
	FormatSafetensors = "safetensors" // a safetensors file
	FormatGGUF        = "gguf"        // a GGUF file
	FormatNumPy       = "numpy"       // a NumPy .npy array
	FormatONNX        = "onnx"        // an .onnx protobuf
	FormatOther       = "other"       // read, and none of the above
)

// Sniff names the format of the file at path from its first bytes (and, for
// zip archives, its entry names). A file it cannot read gets "".
func Sniff(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, pickleWindow)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	// A pickle is told before the other headers: a file starting "GGUF"
	// ('G' reads the next 8 bytes as a float) can go on as a pickle that
	// torch.load or pickle.load runs. Genuine GGUF, NumPy, safetensors and
	// ONNX headers hold bytes no pickle opcode is.
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(path)
	case looksPickle(head):
		return FormatPickle
	case bytes.HasPrefix(head, []byte("GGUF")):
		return FormatGGUF
	case bytes.HasPrefix(head, []byte("\x93NUMPY")):
		return FormatNumPy
	case len(head) >= 9 && head[8] == '{' && binary.LittleEndian.Uint64(head) > 1 && binary.LittleEndian.Uint64(head) < 100<<20:
		return FormatSafetensors
	case len(head) >= 1 && head[0] == 0x08 && strings.EqualFold(filepath.Ext(path), ".onnx"):
		return FormatONNX // field 1 (ir_version), varint
	}
	return FormatOther
}

// sniffZip tells a PyTorch archive (a zip with a pickled data.pkl) from other zips.
func sniffZip(path string) string {
	z, err := zip.OpenReader(path)
	if err != nil {
		return FormatOther
	}
	defer z.Close()
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, ".pkl") {
			return FormatPyTorch
		}
	}
	return FormatZip
}
