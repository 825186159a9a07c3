package parquetx

import (
	"errors"
	"fmt"
	"io"
)

// Bounds on a footer, checked by walking its Thrift bytes before parquet-go
// decodes them: parquet-go allocates the lengths a footer declares and
// recurses over the schema and nested structures, so a small hostile file
// could otherwise exhaust memory or the stack.
const (
	// MaxFooterSize is the largest footer read.
	MaxFooterSize = 64 << 20
	// MaxSchemaDepth is the deepest schema accepted (root excluded).
	MaxSchemaDepth = 64
	// MaxSchemaElements is the most schema elements (groups and leaves).
	MaxSchemaElements = 100_000
	// maxNesting bounds the nesting of Thrift structures, lists and maps;
	// a valid footer nests about 7 deep.
	maxNesting = 32
	// maxFooterMemory bounds what decoding the footer may allocate,
	// estimated per list element from the size of parquet-go's largest
	// list element (a ColumnChunk is 560 bytes): about 450,000 column chunks.
	maxFooterMemory = 256 << 20
	listStructCost  = 600
)

// Thrift compact protocol types.
const (
	ctBoolTrue  = 1
	ctBoolFalse = 2
	ctByte      = 3
	ctI16       = 4
	ctI32       = 5
	ctI64       = 6
	ctDouble    = 7
	ctBinary    = 8
	ctList      = 9
	ctSet       = 10
	ctMap       = 11
	ctStruct    = 12
)

// The structures the walker tells apart; all others are only skipped.
type structKind int

const (
	kOther structKind = iota
	kFileMeta
	kSchemaElement
	kRowGroup
	kColumnChunk
	kColumnMeta
	kKeyValue
)

// footerWalker checks a Thrift compact FileMetaData without decoding it:
// nesting, list lengths (each element takes at least one byte, so a list
// declaring more elements than bytes remain is refused before anything is
// allocated) and the memory decoding would take. It collects each schema
// element's child count and where a KeyValue lacks its value.
type footerWalker struct {
	b        []byte
	pos      int
	depth    int
	memory   int64
	children []int32
	// missingValue lists the offsets of the stop bytes of KeyValue structs
	// without a value, which parquet-go wrongly requires (the spec makes it
	// optional).
	missingValue []int
}

var errFooterTruncated = errors.New("the footer ends in the middle of a structure")

// footerInfo is what checkFooter learned about a footer.
type footerInfo struct {
	elements, leaves, depth int
	// patched is the footer parquet-go can decode, when it differs from the
	// file's.
	patched []byte
}

// checkFooter walks footer and checks the schema's size and depth.
func checkFooter(footer []byte) (*footerInfo, error) {
	w := &footerWalker{b: footer}
	if err := w.walkStruct(kFileMeta); err != nil {
		return nil, err
	}
	info := &footerInfo{elements: len(w.children)}
	depth, leaves := schemaShape(w.children)
	info.depth, info.leaves = depth, leaves
	if depth > MaxSchemaDepth {
		return nil, fmt.Errorf("schema nests %d levels deep, more than %d", depth, MaxSchemaDepth)
	}
	if len(w.missingValue) > 0 {
		// Give each such KeyValue an empty value: field 2 in the long form
		// (type BINARY, zigzag id 4) and a zero length.
		out := make([]byte, 0, len(footer)+3*len(w.missingValue))
		prev := 0
		for _, at := range w.missingValue {
			out = append(out, footer[prev:at]...)
			out = append(out, ctBinary, 4, 0)
			prev = at
		}
		info.patched = append(out, footer[prev:]...)
	}
	return info, nil
}

// schemaShape returns the depth of the schema tree given each element's
// child count in depth-first order, and its leaf count, without recursion.
// A child count that does not fit is left for buildSchema to report.
func schemaShape(children []int32) (depth, leaves int) {
	var open []int32 // children still expected at each level
	for i, n := range children {
		if i > 0 {
			if len(open) == 0 {
				return depth, leaves
			}
			open[len(open)-1]--
		}
		if n > 0 {
			open = append(open, n)
			depth = max(depth, len(open))
		} else if i > 0 {
			leaves++
		}
		for len(open) > 0 && open[len(open)-1] <= 0 {
			open = open[:len(open)-1]
		}
	}
	return depth, leaves
}

func (w *footerWalker) remaining() int { return len(w.b) - w.pos }

func (w *footerWalker) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, errFooterTruncated
	}
	w.pos++
	return w.b[w.pos-1], nil
}

func (w *footerWalker) varint() (uint64, error) {
	var x uint64
	for shift := 0; shift < 70; shift += 7 {
		c, err := w.byte()
		if err != nil {
			return 0, err
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x, nil
		}
	}
	return 0, errors.New("the footer holds an overlong integer")
}

func zigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func (w *footerWalker) enter() error {
	w.depth++
	if w.depth > maxNesting {
		return fmt.Errorf("the footer nests structures more than %d deep", maxNesting)
	}
	return nil
}

// spend adds n bytes to the memory estimate.
func (w *footerWalker) spend(n int64) error {
	w.memory += n
	if w.memory > maxFooterMemory {
		return fmt.Errorf("decoding the footer would take more than %d MiB of memory", maxFooterMemory>>20)
	}
	return nil
}

// walkStruct walks a struct of the given kind up to and including its stop byte.
func (w *footerWalker) walkStruct(kind structKind) error {
	if err := w.enter(); err != nil {
		return err
	}
	defer func() { w.depth-- }()
	var id int64
	hasValue := false
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		if h == 0 {
			if kind == kKeyValue && !hasValue {
				w.missingValue = append(w.missingValue, w.pos-1)
			}
			return nil
		}
		typ := h & 0x0f
		if delta := int64(h >> 4); delta != 0 {
			id += delta
		} else {
			u, err := w.varint()
			if err != nil {
				return err
			}
			id = zigzag(u)
		}
		switch {
		case kind == kFileMeta && id == 2 && typ == ctList:
			err = w.walkList(kSchemaElement, MaxSchemaElements)
		case kind == kFileMeta && id == 4 && typ == ctList:
			err = w.walkList(kRowGroup, -1)
		case (kind == kFileMeta && id == 5 || kind == kColumnMeta && id == 8) && typ == ctList:
			err = w.walkList(kKeyValue, -1)
		case kind == kRowGroup && id == 1 && typ == ctList:
			err = w.walkList(kColumnChunk, -1)
		case kind == kColumnChunk && id == 3 && typ == ctStruct:
			err = w.walkStruct(kColumnMeta)
		case kind == kSchemaElement && id == 5 && typ == ctI32:
			var u uint64
			if u, err = w.varint(); err == nil {
				w.children[len(w.children)-1] = int32(zigzag(u))
			}
		default:
			if kind == kKeyValue && id == 2 {
				hasValue = true
			}
			err = w.skip(typ, true)
		}
		if err != nil {
			return err
		}
	}
}

// walkList walks a list (or set) whose elements are structs of kind elem,
// refusing more than limit elements when limit >= 0. A list of another
// element type is skipped.
func (w *footerWalker) walkList(elem structKind, limit int) error {
	n, typ, err := w.listHeader()
	if err != nil {
		return err
	}
	return w.listBody(n, typ, elem, limit)
}

// listBody walks the n elements of a list of type typ.
func (w *footerWalker) listBody(n int, typ byte, elem structKind, limit int) error {
	if typ != ctStruct {
		return w.skipElems(n, typ)
	}
	if limit >= 0 && n > limit {
		return fmt.Errorf("the schema has %d elements, more than %d", n, limit)
	}
	if err := w.enter(); err != nil {
		return err
	}
	defer func() { w.depth-- }()
	if err := w.spend(int64(n) * listStructCost); err != nil {
		return err
	}
	for range n {
		if elem == kSchemaElement {
			w.children = append(w.children, 0)
		}
		if err := w.walkStruct(elem); err != nil {
			return err
		}
	}
	return nil
}

// listHeader reads a list or set header, checking its length against the
// bytes left.
func (w *footerWalker) listHeader() (n int, typ byte, err error) {
	h, err := w.byte()
	if err != nil {
		return 0, 0, err
	}
	size, typ := uint64(h>>4), h&0x0f
	if size == 15 {
		if size, err = w.varint(); err != nil {
			return 0, 0, err
		}
	}
	if size > uint64(w.remaining()) {
		return 0, 0, fmt.Errorf("a footer list declares %d elements in %d remaining bytes", size, w.remaining())
	}
	return int(size), typ, nil
}

func (w *footerWalker) skipElems(n int, typ byte) error {
	if err := w.enter(); err != nil {
		return err
	}
	defer func() { w.depth-- }()
	if err := w.spend(int64(n) * 24); err != nil {
		return err
	}
	for range n {
		if err := w.skip(typ, false); err != nil {
			return err
		}
	}
	return nil
}

// skip skips one value of type typ; inField is true for a struct field,
// whose boolean value is in its header.
func (w *footerWalker) skip(typ byte, inField bool) error {
	switch typ {
	case ctBoolTrue, ctBoolFalse:
		if !inField {
			_, err := w.byte()
			return err
		}
		return nil
	case ctByte:
		_, err := w.byte()
		return err
	case ctI16, ctI32, ctI64:
		_, err := w.varint()
		return err
	case ctDouble:
		if w.remaining() < 8 {
			return errFooterTruncated
		}
		w.pos += 8
		return nil
	case ctBinary:
		n, err := w.varint()
		if err != nil {
			return err
		}
		if n > uint64(w.remaining()) {
			return fmt.Errorf("a footer string of %d bytes runs past the footer's end", n)
		}
		w.pos += int(n)
		return w.spend(int64(n))
	case ctList, ctSet:
		n, et, err := w.listHeader()
		if err != nil {
			return err
		}
		return w.listBody(n, et, kOther, -1)
	case ctMap:
		n, err := w.varint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n > uint64(w.remaining())/2 {
			return fmt.Errorf("a footer map declares %d entries in %d remaining bytes", n, w.remaining())
		}
		kv, err := w.byte()
		if err != nil {
			return err
		}
		if err := w.enter(); err != nil {
			return err
		}
		defer func() { w.depth-- }()
		for range n {
			if err := w.skip(kv>>4, false); err != nil {
				return err
			}
			if err := w.skip(kv&0x0f, false); err != nil {
				return err
			}
		}
		return nil
	case ctStruct:
		return w.walkStruct(kOther)
	}
	return fmt.Errorf("the footer holds an unknown Thrift type %d", typ)
}

// patchedFile is a file whose footer is replaced: parquet-go reads the data
// through it, and a footer it can decode.
type patchedFile struct {
	r       io.ReaderAt
	dataEnd int64
	tail    []byte // footer, its length and the magic bytes
}

func (p *patchedFile) size() int64 { return p.dataEnd + int64(len(p.tail)) }

func (p *patchedFile) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	if off < p.dataEnd {
		k := int(min(int64(len(b)), p.dataEnd-off))
		m, err := p.r.ReadAt(b[:k], off)
		n += m
		if err != nil && !(errors.Is(err, io.EOF) && m == k) {
			return n, err
		}
		off += int64(k)
	}
	if n < len(b) {
		t := off - p.dataEnd
		if t >= int64(len(p.tail)) {
			return n, io.EOF
		}
		n += copy(b[n:], p.tail[t:])
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}
