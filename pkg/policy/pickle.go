package policy

import (
	"bytes"
	"encoding/binary"
)

// pickleWindow is how much of a file looksPickle reads: enough for the
// opcodes that matter, whatever follows (PyTorch's legacy format puts raw
// storage after its pickles).
const pickleWindow = 64 << 10

// minTruncatedOps is how many well-formed opcodes a stream without STOP needs
// to count as a pickle: the shortest call (GLOBAL, MARK, arg, TUPLE, REDUCE)
// is five, and Python runs REDUCE before it reaches a STOP.
const minTruncatedOps = 5

// looksPickle reports whether data starts with a well-formed pickle opcode
// stream of any protocol (0 to 5), with or without the PROTO header: every
// opcode known, its argument well-formed, and its stack effect possible. A
// STOP with a value to return ends it (Python ignores what is left under
// it); a window that ends first still counts after minTruncatedOps opcodes.
// Python executes a stream as it reads it, so a stream that has made a call
// (REDUCE, BUILD, NEWOBJ, INST, OBJ) counts whatever follows: garbage after
// the call only makes the load fail once it has run.
func looksPickle(data []byte) bool {
	depth, ops, called := 0, 0, false
	var marks []int
	pop := func(n int) bool {
		if depth < n {
			return false
		}
		depth -= n
		return true
	}
	popMark := func() bool {
		if len(marks) == 0 {
			return false
		}
		depth = marks[len(marks)-1]
		marks = marks[:len(marks)-1]
		return true
	}
	for i := 0; i < len(data); ops++ {
		op := data[i]
		i++
		arg, ok := pickleArg(op, data[i:])
		switch {
		case arg < 0:
			return called // unknown opcode or malformed argument
		case !ok:
			return ops >= minTruncatedOps || called // the argument runs past the window
		}
		i += arg
		switch op {
		case '(': // MARK
			marks = append(marks, depth)
			depth = 0
		case '.': // STOP
			return depth >= 1 && ops > 0 || called
		case 'p', 'q', 'r', 0x94, 0x80, 0x95: // PUT, BINPUT, LONG_BINPUT, MEMOIZE, PROTO, FRAME
			if op != 0x80 && op != 0x95 && depth == 0 {
				return called
			}
		case '0': // POP: a value, or the mark on top
			if depth == 0 && !popMark() || depth > 0 && !pop(1) {
				return called
			}
		case '1': // POP_MARK
			if !popMark() {
				return called
			}
		case '2': // DUP
			if depth == 0 {
				return called
			}
			depth++
		case 'Q', 0x85, 0x98: // BINPERSID, TUPLE1, READONLY_BUFFER
			if depth == 0 {
				return called
			}
		case 'a', 'b', 'R', 0x81, 0x86, 0x93: // APPEND, BUILD, REDUCE, NEWOBJ, TUPLE2, STACK_GLOBAL
			if !pop(2) {
				return called
			}
			depth++
			called = called || op == 'b' || op == 'R' || op == 0x81
		case 's', 0x87, 0x92: // SETITEM, TUPLE3, NEWOBJ_EX
			if !pop(3) {
				return called
			}
			depth++
			called = called || op == 0x92
		case 'e', 'u', 0x90: // APPENDS, SETITEMS, ADDITEMS: into the value under the mark
			if !popMark() || depth == 0 {
				return called
			}
		case 'd', 'l', 't', 0x91, 'i', 'o': // DICT, LIST, TUPLE, FROZENSET, INST, OBJ
			if !popMark() {
				return called
			}
			depth++
			called = called || op == 'i' || op == 'o'
		default: // every other opcode pushes one value
			depth++
		}
	}
	return ops >= minTruncatedOps || called
}

// pickleArg is the length of op's argument at the start of rest: -1 when op
// is not a pickle opcode or the argument is malformed, ok false when the
// argument runs past rest.
func pickleArg(op byte, rest []byte) (n int, ok bool) {
	fixed := func(n int) (int, bool) { return n, n <= len(rest) }
	counted := func(size int) (int, bool) {
		if size > len(rest) {
			return 0, false
		}
		var l uint64
		switch size {
		case 1:
			l = uint64(rest[0])
		case 4:
			l = uint64(binary.LittleEndian.Uint32(rest))
		case 8:
			l = binary.LittleEndian.Uint64(rest)
		}
		if l > uint64(len(rest)-size) {
			return 0, false
		}
		return size + int(l), true
	}
	switch op {
	case '(', '.', '0', '1', '2', 'N', ')', ']', '}', 'a', 'e', 'b', 'd', 'l', 't', 's', 'u', 'o', 'R', 'Q',
		0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98:
		return 0, true
	case 'K', 'h', 'q', 0x82:
		return fixed(1)
	case 0x80: // PROTO
		if len(rest) > 0 && rest[0] > 5 {
			return -1, true
		}
		return fixed(1)
	case 'M', 0x83:
		return fixed(2)
	case 'J', 'j', 'r', 0x84:
		return fixed(4)
	case 'G', 0x95:
		return fixed(8)
	case 'U', 'C', 0x8c, 0x8a:
		return counted(1)
	case 'T', 'X', 'B', 0x8b:
		return counted(4)
	case 0x8d, 0x8e, 0x96:
		return counted(8)
	case 'I', 'L', 'F', 'p', 'g', 'S', 'V', 'P':
		return textLines(op, rest, 1)
	case 'c', 'i': // GLOBAL, INST: module and name lines
		return textLines(op, rest, 2)
	}
	return -1, true
}

// textLines measures the newline-terminated arguments of protocol 0 opcodes
// and checks they look like what Python writes there.
func textLines(op byte, rest []byte, lines int) (int, bool) {
	n := 0
	for range lines {
		end := bytes.IndexByte(rest[n:], '\n')
		if end < 0 {
			return 0, false
		}
		if !wellFormedLine(op, rest[n:n+end]) {
			return -1, true
		}
		n += end + 1
	}
	return n, true
}

func wellFormedLine(op byte, line []byte) bool {
	switch op {
	case 'I', 'L', 'F', 'p', 'g': // numbers (INT's 00/01 are bools, LONG ends in L)
		return len(line) > 0 && len(bytes.Trim(line, "0123456789+-.eELinfa")) == 0
	case 'S':
		return len(line) >= 2 && (line[0] == '\'' || line[0] == '"') && line[len(line)-1] == line[0]
	case 'c', 'i':
		return len(line) > 0 && bytes.IndexFunc(line, func(r rune) bool { return r <= ' ' || r > '~' }) < 0
	}
	return true // UNICODE and PERSID lines are free text
}
