package policy

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
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
	case compression(head) != "":
		return sniffCompressed(head)
	case bytes.HasPrefix(head, []byte("GGUF")):
		return FormatGGUF
	case bytes.HasPrefix(head, []byte("\x93NUMPY")):
		if npyHoldsObjects(head) {
			return FormatPickle
		}
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
		return "" // not read: torch's own zip reader may still load it
	}
	defer z.Close()
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, ".pkl") {
			return FormatPyTorch
		}
	}
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, ".npy") && npzEntryHoldsObjects(f) {
			return FormatPickle // an .npz whose array numpy.load unpickles
		}
	}
	return FormatZip
}

// npyObjectType matches a NumPy type that holds Python objects ('O', '|O',
// 'O8', 'object'): numpy.load(allow_pickle=True) unpickles such an array,
// so it runs code as a pickle does.
var npyObjectType = regexp.MustCompile(`^[<>|=]?(O[0-9]*|object_?)$`)

// npyHoldsObjects reports whether a .npy header (within head) declares a
// type, or a field type, of Python objects. Field names are quoted too: a
// field named like a type code ("O") counts, which refuses, never admits.
func npyHoldsObjects(head []byte) bool {
	end := bytes.IndexByte(head, '\n')
	if end < 0 {
		end = len(head)
	}
	for _, m := range npyQuoted.FindAllSubmatch(head[:end], -1) {
		if npyObjectType.Match(append(m[1], m[2]...)) {
			return true
		}
	}
	return false
}

// npyQuoted finds the quoted strings of a .npy header dict.
var npyQuoted = regexp.MustCompile(`'([^']*)'|"([^"]*)"`)

// npzEntryHoldsObjects reads the header of one array of an .npz (at most
// 64 KiB, whatever it inflates to).
func npzEntryHoldsObjects(f *zip.File) bool {
	r, err := f.Open()
	if err != nil {
		return true // unreadable: numpy's own reader may still read it
	}
	defer r.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(r, head)
	return npyHoldsObjects(head[:n])
}

// maxSniffDict bounds the dictionary an xz or lzma header may ask the
// sniffer to allocate (joblib's presets take 4 MiB up to level 6).
const maxSniffDict = 16 << 20

// compression names the stream head starts as, of those joblib.dump
// (compress=...) writes: joblib.load tells them by these magic bytes,
// whatever the file is named, and unpickles the content. "" for none.
func compression(head []byte) string {
	switch {
	case len(head) >= 2 && head[0] == 0x78 && binary.BigEndian.Uint16(head)%31 == 0:
		return "zlib"
	case bytes.HasPrefix(head, []byte("\x1f\x8b\x08")):
		return "gzip"
	case len(head) >= 4 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9':
		return "bz2"
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return "xz"
	case len(head) >= 13 && head[0] == 0x5d && bytes.Equal(head[5:13], bytes.Repeat([]byte{0xff}, 8)):
		return "lzma" // the .lzma header joblib writes: size unknown
	}
	return ""
}

// sniffCompressed names what a compressed head holds: a pickle when what it
// inflates to (at most pickleWindow bytes) starts with one, "" (not read)
// when its header is refused (corrupt, or a dictionary over maxSniffDict),
// else other.
func sniffCompressed(head []byte) string {
	in := bytes.NewReader(head)
	var r io.Reader
	var err error
	switch compression(head) {
	case "zlib":
		r, err = zlib.NewReader(in)
	case "gzip":
		r, err = gzip.NewReader(in)
	case "bz2":
		r = bzip2.NewReader(in)
	case "xz":
		r, err = xz.ReaderConfig{DictCap: maxSniffDict}.NewReader(in)
	case "lzma":
		r, err = lzma.ReaderConfig{DictCap: maxSniffDict}.NewReader(in)
	default:
		return FormatOther
	}
	if err != nil {
		return ""
	}
	out := make([]byte, pickleWindow)
	n, _ := io.ReadFull(r, out)
	if looksPickle(out[:n]) {
		return FormatPickle
	}
	return FormatOther
}
