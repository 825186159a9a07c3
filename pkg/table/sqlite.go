package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// A read-only reader of the SQLite file format, enough to scan one table
// of an Iceberg SQL catalog (a few rows of text). mlgate does not link a
// SQLite library: modernc.org/sqlite adds megabytes to a binary #13 keeps
// small, and cgo ones break the static build. What it reads is bounded:
// the file's size, pages visited once each (a loop in a hostile b-tree
// ends), a record's payload at most maxSQLiteRecord, rows at most
// maxSQLiteRows. It reads the main database file only: a catalog with a
// write-ahead log beside it may hold rows not yet in the file, and is
// refused (checkpoint it first), as are UTF-16 databases.

const (
	maxSQLiteRecord = 1 << 20
	maxSQLiteRows   = 1 << 20
	maxSQLiteFile   = 1 << 30
)

type sqliteDB struct {
	path     string
	f        *os.File
	pageSize int
	usable   int
	pages    int
}

func openSQLite(path string) (*sqliteDB, error) {
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
		return nil, fmt.Errorf("%s: a write-ahead log (%s-wal) holds changes not yet in the file; checkpoint it first", path, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	var h [100]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[:16]) != "SQLite format 3\x00" {
		f.Close()
		return nil, fmt.Errorf("%s: not a SQLite database", path)
	}
	db := &sqliteDB{path: path, f: f, pageSize: int(binary.BigEndian.Uint16(h[16:]))}
	if db.pageSize == 1 {
		db.pageSize = 65536
	}
	db.usable = db.pageSize - int(h[20])
	switch {
	case db.pageSize < 512 || db.pageSize&(db.pageSize-1) != 0 || db.usable < 480:
		f.Close()
		return nil, fmt.Errorf("%s: page size %d is not a SQLite page size", path, db.pageSize)
	case binary.BigEndian.Uint32(h[56:]) > 1:
		f.Close()
		return nil, &UnsupportedError{Table: path, Feature: "UTF-16 SQLite database"}
	case st.Size() > maxSQLiteFile:
		f.Close()
		return nil, fmt.Errorf("%s: %d bytes, larger than a catalog (%d)", path, st.Size(), maxSQLiteFile)
	}
	db.pages = int(st.Size() / int64(db.pageSize))
	return db, nil
}

func (db *sqliteDB) Close() error { return db.f.Close() }

func (db *sqliteDB) page(n uint32) ([]byte, error) {
	if n < 1 || int64(n) > int64(db.pages) {
		return nil, fmt.Errorf("%s: page %d is outside the file (%d pages)", db.path, n, db.pages)
	}
	b := make([]byte, db.pageSize)
	if _, err := db.f.ReadAt(b, int64(n-1)*int64(db.pageSize)); err != nil {
		return nil, fmt.Errorf("%s: page %d: %w", db.path, n, err)
	}
	return b, nil
}

var errSQLiteCorrupt = errors.New("malformed SQLite b-tree")

// varint decodes a SQLite varint (1 to 9 bytes, big-endian).
func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// scan calls fn with the values of every row of the table b-tree rooted
// at root, in rowid order.
func (db *sqliteDB) scan(root uint32, fn func([]any) error) error {
	seen := map[uint32]bool{}
	rows := 0
	var walk func(n uint32) error
	walk = func(n uint32) error {
		if seen[n] {
			return fmt.Errorf("%s: page %d is reached twice: %w", db.path, n, errSQLiteCorrupt)
		}
		seen[n] = true
		p, err := db.page(n)
		if err != nil {
			return err
		}
		h := 0
		if n == 1 {
			h = 100 // the file header
		}
		if h+12 > len(p) {
			return errSQLiteCorrupt
		}
		kind, cells := p[h], int(binary.BigEndian.Uint16(p[h+3:]))
		hdr := 8
		if kind == 0x05 {
			hdr = 12
		} else if kind != 0x0d {
			return fmt.Errorf("%s: page %d is not a table b-tree page (type %#x): %w", db.path, n, kind, errSQLiteCorrupt)
		}
		if h+hdr+2*cells > db.usable {
			return fmt.Errorf("%s: page %d: %w", db.path, n, errSQLiteCorrupt)
		}
		for i := 0; i < cells; i++ {
			off := int(binary.BigEndian.Uint16(p[h+hdr+2*i:]))
			if off < h+hdr || off+4 > db.usable {
				return fmt.Errorf("%s: page %d cell %d: %w", db.path, n, i, errSQLiteCorrupt)
			}
			if kind == 0x05 {
				if err := walk(binary.BigEndian.Uint32(p[off:])); err != nil {
					return err
				}
				continue
			}
			if rows++; rows > maxSQLiteRows {
				return fmt.Errorf("%s: more than %d rows, not a catalog table", db.path, maxSQLiteRows)
			}
			payload, err := db.payload(p, off, seen)
			if err != nil {
				return err
			}
			vals, err := record(payload)
			if err != nil {
				return fmt.Errorf("%s: page %d cell %d: %w", db.path, n, i, err)
			}
			if err := fn(vals); err != nil {
				return err
			}
		}
		if kind == 0x05 {
			return walk(binary.BigEndian.Uint32(p[h+8:]))
		}
		return nil
	}
	return walk(root)
}

// payload reads a leaf cell's record, following its overflow pages.
func (db *sqliteDB) payload(p []byte, off int, seen map[uint32]bool) ([]byte, error) {
	size, n := varint(p[off:db.usable])
	if n == 0 {
		return nil, errSQLiteCorrupt
	}
	off += n
	if _, n = varint(p[off:db.usable]); n == 0 { // the rowid
		return nil, errSQLiteCorrupt
	}
	off += n
	if size > maxSQLiteRecord {
		return nil, fmt.Errorf("%s: a record of %d bytes, larger than a catalog row (%d)", db.path, size, maxSQLiteRecord)
	}
	u, total := db.usable, int(size)
	local, x := total, u-35
	if total > x {
		m := (u-12)*32/255 - 23
		local = m + (total-m)%(u-4)
		if local > x {
			local = m
		}
	}
	if off+local > u || (local < total && off+local+4 > u) {
		return nil, errSQLiteCorrupt
	}
	out := append(make([]byte, 0, total), p[off:off+local]...)
	next := uint32(0)
	if local < total {
		next = binary.BigEndian.Uint32(p[off+local:])
	}
	for len(out) < total {
		if next == 0 || seen[next] {
			return nil, fmt.Errorf("%s: overflow chain ends early or loops: %w", db.path, errSQLiteCorrupt)
		}
		seen[next] = true
		op, err := db.page(next)
		if err != nil {
			return nil, err
		}
		next = binary.BigEndian.Uint32(op)
		out = append(out, op[4:min(u, 4+total-len(out))]...)
	}
	return out, nil
}

// record decodes a SQLite record into nil, int64, float64, string and
// []byte values.
func record(b []byte) ([]any, error) {
	hsize, n := varint(b)
	if n == 0 || hsize > uint64(len(b)) || int(hsize) < n {
		return nil, errSQLiteCorrupt
	}
	var vals []any
	body := int(hsize)
	for pos := n; pos < int(hsize); {
		st, k := varint(b[pos:hsize])
		if k == 0 {
			return nil, errSQLiteCorrupt
		}
		pos += k
		var size int
		switch {
		case st <= 4:
			size = int(st)
		case st == 5:
			size = 6
		case st == 6 || st == 7:
			size = 8
		case st == 8 || st == 9:
			size = 0
		case st >= 12:
			if st > 2*maxSQLiteRecord+13 {
				return nil, errSQLiteCorrupt
			}
			size = int(st-12) / 2
		default:
			return nil, errSQLiteCorrupt
		}
		if body+size > len(b) {
			return nil, errSQLiteCorrupt
		}
		v := b[body : body+size]
		body += size
		switch {
		case st == 0:
			vals = append(vals, nil)
		case st <= 6:
			var i int64
			for _, c := range v {
				i = i<<8 | int64(c)
			}
			if shift := 64 - 8*size; size > 0 {
				i = i << shift >> shift // sign-extend
			}
			vals = append(vals, i)
		case st == 7:
			vals = append(vals, math.Float64frombits(binary.BigEndian.Uint64(v)))
		case st == 8 || st == 9:
			vals = append(vals, int64(st-8))
		case st%2 == 0:
			vals = append(vals, append([]byte(nil), v...))
		default:
			vals = append(vals, string(v))
		}
	}
	return vals, nil
}

// sqliteTable is a table's root page and column names, from the schema.
type sqliteTable struct {
	root    uint32
	columns []string
}

// table finds a table in the database's schema (sqlite_schema, page 1).
func (db *sqliteDB) table(name string) (*sqliteTable, error) {
	var t *sqliteTable
	err := db.scan(1, func(v []any) error {
		if len(v) < 5 || v[0] != "table" || !strings.EqualFold(fmt.Sprint(v[1]), name) {
			return nil
		}
		root, _ := v[3].(int64)
		sql, _ := v[4].(string)
		if root < 1 || root > math.MaxUint32 {
			return fmt.Errorf("%s: table %s has root page %v: %w", db.path, name, v[3], errSQLiteCorrupt)
		}
		t = &sqliteTable{root: uint32(root), columns: createColumns(sql)}
		return nil
	})
	if err == nil && t == nil {
		err = fmt.Errorf("%s: no table %s (not an Iceberg SQL catalog?)", db.path, name)
	}
	return t, err
}

// createColumns lists the column names of a CREATE TABLE statement, in
// order (the order of a record's values), leaving out table constraints.
func createColumns(sql string) []string {
	i, j := strings.Index(sql, "("), strings.LastIndex(sql, ")")
	if i < 0 || j <= i {
		return nil
	}
	var defs []string
	depth, start := 0, i+1
	for k := i + 1; k < j; k++ {
		switch sql[k] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				defs = append(defs, sql[start:k])
				start = k + 1
			}
		}
	}
	defs = append(defs, sql[start:j])
	var out []string
	for _, d := range defs {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if close := map[byte]byte{'"': '"', '`': '`', '[': ']', '\'': '\''}[d[0]]; close != 0 {
			if j := strings.IndexByte(d[1:], close); j >= 0 {
				out = append(out, d[1:1+j]) // a quoted name (doubled quotes inside are not undone)
			}
			continue
		}
		name := strings.Fields(d)[0]
		switch strings.ToUpper(name) {
		case "PRIMARY", "UNIQUE", "CONSTRAINT", "CHECK", "FOREIGN":
			continue
		}
		out = append(out, name)
	}
	return out
}

// rows reads every row of a table as column name to value (a column added
// after a row was written is nil in it).
func (db *sqliteDB) rows(name string) ([]map[string]any, error) {
	t, err := db.table(name)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	err = db.scan(t.root, func(v []any) error {
		row := map[string]any{}
		for i, c := range t.columns {
			if i < len(v) {
				row[c] = v[i]
			} else {
				row[c] = nil
			}
		}
		out = append(out, row)
		return nil
	})
	return out, err
}
