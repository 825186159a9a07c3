package table

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// The table's logical columns and how each data file holds them: the one
// place that decides a file's view (parquetx.File.View). A file's column
// is found by field id (Iceberg, Delta column mapping mode id), else by its
// physical name (Delta column mapping) or by Iceberg's name mapping, else
// by name; a column the file lacks is a constant: the file's partition
// value (Delta partition columns, Iceberg identity partitions), the
// column's initial default (Iceberg), or null.

// tableColumn is one top-level column of the table's schema.
type tableColumn struct {
	name     string
	physical string // name in the data files (Delta column mapping), else name
	id       int    // field id, 0 when none
	typ      string // the table's type name ("long", "decimal(10,2)", ...); "" for nested types
	def      *parquet.Value
	// partition is true for a Delta partition column: its value is always
	// the log's, never the file's.
	partition bool
	// required is an Iceberg required field: a file without it and no
	// default for it is not a file of the table.
	required bool
}

// colType is a primitive table type as a Parquet leaf would carry it.
type colType struct {
	t      parquetx.Type
	phys   format.Type
	length int
}

var (
	reDecimal = regexp.MustCompile(`^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$`)
	reFixed   = regexp.MustCompile(`^fixed\[(\d+)\]$`)
)

// typeOf maps a Delta or Iceberg primitive type name to the Parquet leaf
// its writers produce.
func typeOf(name string) (colType, bool) {
	switch name {
	case "string":
		return colType{t: parquetx.Type{Name: parquetx.TypeString}, phys: format.ByteArray}, true
	case "binary":
		return colType{t: parquetx.Type{Name: parquetx.TypeBinary}, phys: format.ByteArray}, true
	case "boolean":
		return colType{t: parquetx.Type{Name: parquetx.TypeBoolean}, phys: format.Boolean}, true
	case "byte":
		return colType{t: parquetx.Type{Name: parquetx.TypeInt8}, phys: format.Int32}, true
	case "short":
		return colType{t: parquetx.Type{Name: parquetx.TypeInt16}, phys: format.Int32}, true
	case "integer", "int":
		return colType{t: parquetx.Type{Name: parquetx.TypeInt32}, phys: format.Int32}, true
	case "long":
		return colType{t: parquetx.Type{Name: parquetx.TypeInt64}, phys: format.Int64}, true
	case "float":
		return colType{t: parquetx.Type{Name: parquetx.TypeFloat}, phys: format.Float}, true
	case "double":
		return colType{t: parquetx.Type{Name: parquetx.TypeDouble}, phys: format.Double}, true
	case "date":
		return colType{t: parquetx.Type{Name: parquetx.TypeDate}, phys: format.Int32}, true
	case "time":
		return colType{t: parquetx.Type{Name: parquetx.TypeTime, Unit: "us"}, phys: format.Int64}, true
	case "timestamp_ntz":
		return colType{t: parquetx.Type{Name: parquetx.TypeTimestamp, Unit: "us"}, phys: format.Int64}, true
	case "uuid":
		return colType{t: parquetx.Type{Name: parquetx.TypeUUID}, phys: format.FixedLenByteArray, length: 16}, true
	}
	if m := reDecimal.FindStringSubmatch(name); m != nil {
		p, _ := strconv.Atoi(m[1])
		s, _ := strconv.Atoi(m[2])
		if p < 1 || p > 38 || s > p {
			return colType{}, false
		}
		ct := colType{t: parquetx.Type{Name: parquetx.TypeDecimal, Precision: p, Scale: s}}
		switch {
		case p <= 9:
			ct.phys = format.Int32
		case p <= 18:
			ct.phys = format.Int64
		default:
			ct.phys, ct.length = format.FixedLenByteArray, 16
		}
		return ct, true
	}
	if m := reFixed.FindStringSubmatch(name); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > 1<<20 {
			return colType{}, false
		}
		return colType{t: parquetx.Type{Name: parquetx.TypeBinary}, phys: format.FixedLenByteArray, length: n}, true
	}
	return colType{}, false
}

// timestampType is a timestamp column's type: Delta's timestamp and
// Iceberg's timestamptz are UTC-adjusted, Iceberg's timestamp is not.
func timestampType(name, tableFormat string) (colType, bool) {
	ct := colType{t: parquetx.Type{Name: parquetx.TypeTimestamp, Unit: "us"}, phys: format.Int64}
	switch {
	case name == "timestamp" && tableFormat == FormatDelta, name == "timestamptz":
		ct.t.UTC = true
	case name == "timestamp":
	case name == "timestamptz_ns":
		ct.t.UTC, ct.t.Unit = true, "ns"
	case name == "timestamp_ns":
		ct.t.Unit = "ns"
	default:
		return colType{}, false
	}
	return ct, true
}

func (s *Snapshot) typeOf(name string) (colType, bool) {
	if ct, ok := timestampType(name, s.Format); ok {
		return ct, true
	}
	return typeOf(name)
}

// parseText reads a value in its text form: a Delta partition value, or an
// Iceberg default in its JSON form (numbers and strings as text). Binary
// text is the bytes themselves (Delta) unless hexBinary (Iceberg).
func parseText(ct colType, s string, hexBinary bool) (parquet.Value, error) {
	bad := func(err error) (parquet.Value, error) {
		return parquet.Value{}, fmt.Errorf("%q is not a %s: %v", s, ct.t, err)
	}
	switch ct.t.Name {
	case parquetx.TypeString:
		return parquet.ByteArrayValue([]byte(s)), nil
	case parquetx.TypeBinary:
		b := []byte(s)
		if hexBinary {
			var err error
			if b, err = hex.DecodeString(s); err != nil {
				return bad(err)
			}
		}
		if ct.phys == format.FixedLenByteArray {
			if len(b) != ct.length {
				return bad(fmt.Errorf("%d bytes, not %d", len(b), ct.length))
			}
			return parquet.FixedLenByteArrayValue(b), nil
		}
		return parquet.ByteArrayValue(b), nil
	case parquetx.TypeUUID:
		b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
		if err != nil || len(b) != 16 {
			return bad(fmt.Errorf("not a UUID"))
		}
		return parquet.FixedLenByteArrayValue(b), nil
	case parquetx.TypeBoolean:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad(err)
		}
		return parquet.BooleanValue(b), nil
	case parquetx.TypeInt8, parquetx.TypeInt16, parquetx.TypeInt32:
		bits := map[parquetx.TypeName]int{parquetx.TypeInt8: 8, parquetx.TypeInt16: 16, parquetx.TypeInt32: 32}[ct.t.Name]
		i, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return bad(err)
		}
		return parquet.Int32Value(int32(i)), nil
	case parquetx.TypeInt64:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad(err)
		}
		return parquet.Int64Value(i), nil
	case parquetx.TypeFloat:
		f, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return bad(err)
		}
		return parquet.FloatValue(float32(f)), nil
	case parquetx.TypeDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad(err)
		}
		return parquet.DoubleValue(f), nil
	case parquetx.TypeDate:
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return bad(err)
		}
		return parquet.Int32Value(int32(d.Unix() / 86400)), nil
	case parquetx.TypeTime:
		d, err := time.Parse("15:04:05.999999999", s)
		if err != nil {
			return bad(err)
		}
		return parquet.Int64Value(int64(d.Sub(d.Truncate(24*time.Hour)) / time.Microsecond)), nil
	case parquetx.TypeTimestamp:
		t, err := parseTimestamp(s)
		if err != nil {
			return bad(err)
		}
		if ct.t.Unit == "ns" {
			return parquet.Int64Value(t.UnixNano()), nil
		}
		return parquet.Int64Value(t.UnixMicro()), nil
	case parquetx.TypeDecimal:
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return bad(fmt.Errorf("not a number"))
		}
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(ct.t.Scale)), nil)))
		if !r.IsInt() {
			return bad(fmt.Errorf("more than %d decimals", ct.t.Scale))
		}
		return decimalValue(ct, r.Num())
	}
	return parquet.Value{}, fmt.Errorf("type %s has no text form here", ct.t)
}

// parseTimestamp reads the forms Delta writes partition timestamps in
// (space or T, optional fraction, optional zone; no zone is UTC) and
// Iceberg's JSON form.
func parseTimestamp(s string) (time.Time, error) {
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp")
}

func decimalValue(ct colType, unscaled *big.Int) (parquet.Value, error) {
	if unscaled.BitLen() >= 127 || len(new(big.Int).Abs(unscaled).Text(10)) > ct.t.Precision {
		return parquet.Value{}, fmt.Errorf("%s does not fit %s", unscaled, ct.t)
	}
	switch ct.phys {
	case format.Int32:
		return parquet.Int32Value(int32(unscaled.Int64())), nil
	case format.Int64:
		return parquet.Int64Value(unscaled.Int64()), nil
	}
	// Big-endian two's complement in ct.length bytes.
	b := make([]byte, ct.length)
	v := new(big.Int).Set(unscaled)
	if v.Sign() < 0 {
		v.Add(v, new(big.Int).Lsh(big.NewInt(1), uint(8*ct.length)))
	}
	v.FillBytes(b)
	return parquet.FixedLenByteArrayValue(b), nil
}

// avroValue converts a partition value as hamba/avro decodes it.
func avroValue(ct colType, v any) (parquet.Value, error) {
	bad := func() (parquet.Value, error) {
		return parquet.Value{}, fmt.Errorf("partition value %v (%T) is not a %s", v, v, ct.t)
	}
	v = partitionDatum(v)
	switch x := v.(type) {
	case string:
		return parseText(ct, x, false)
	case bool:
		if ct.t.Name == parquetx.TypeBoolean {
			return parquet.BooleanValue(x), nil
		}
	case int, int32, int64:
		i, _ := toInt(x)
		switch {
		case ct.phys == format.Int32 && ct.t.Name != parquetx.TypeDecimal && i >= math.MinInt32 && i <= math.MaxInt32:
			return parquet.Int32Value(int32(i)), nil
		case ct.phys == format.Int64 && ct.t.Name != parquetx.TypeDecimal:
			return parquet.Int64Value(i), nil
		}
	case float32:
		return parseText(ct, strconv.FormatFloat(float64(x), 'g', -1, 32), false)
	case float64:
		return parseText(ct, strconv.FormatFloat(x, 'g', -1, 64), false)
	case time.Time:
		switch ct.t.Name {
		case parquetx.TypeDate:
			return parquet.Int32Value(int32(x.Unix() / 86400)), nil
		case parquetx.TypeTimestamp:
			if ct.t.Unit == "ns" {
				return parquet.Int64Value(x.UnixNano()), nil
			}
			return parquet.Int64Value(x.UnixMicro()), nil
		}
	case time.Duration:
		if ct.t.Name == parquetx.TypeTime {
			return parquet.Int64Value(int64(x / time.Microsecond)), nil
		}
	case *big.Rat:
		if ct.t.Name == parquetx.TypeDecimal {
			r := new(big.Rat).Mul(x, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(ct.t.Scale)), nil)))
			if !r.IsInt() {
				return bad()
			}
			return decimalValue(ct, r.Num())
		}
	case []byte:
		switch {
		case ct.t.Name == parquetx.TypeDecimal:
			return decimalValue(ct, signedBigEndian(x))
		case ct.phys == format.FixedLenByteArray && len(x) == ct.length, ct.t.Name == parquetx.TypeUUID && len(x) == 16:
			return parquet.FixedLenByteArrayValue(x), nil
		case ct.phys == format.ByteArray:
			return parquet.ByteArrayValue(x), nil
		}
	}
	return bad()
}

func signedBigEndian(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// View presents the data file pf (one of the snapshot's files, f) under
// the table's logical columns. A feature the view cannot honour is refused
// by name.
func (f *File) View(pf *parquetx.File) error {
	s := f.snap
	if s == nil || len(s.cols) == 0 {
		return nil // no schema known: the file is read as it is
	}
	var view []parquetx.ViewColumn
	for _, tc := range s.cols {
		if src := s.source(tc, pf); src != nil {
			retype, err := s.promoted(tc, src, pf)
			if err != nil {
				return err
			}
			view = append(view, parquetx.ViewColumn{Name: tc.name, Source: src.Path, Retype: retype})
			continue
		}
		ct, ok := s.typeOf(tc.typ)
		if !ok {
			return &UnsupportedError{Table: s.Location, Feature: "schema evolution", Detail: fmt.Sprintf("%s lacks column %q of type %s, and a null or default of a nested type is not read", pf.Path, tc.name, cmpOr(tc.typ, "nested"))}
		}
		val := parquet.Value{}
		if v, ok := f.consts[tc.name]; ok {
			val = v
		} else if tc.partition {
			return fmt.Errorf("%s: the log gives %s no value of partition column %q", s.Location, f.Path, tc.name)
		} else if tc.def != nil {
			val = *tc.def
		} else if tc.required {
			return fmt.Errorf("%s: %s lacks required column %q, which has no default", s.Location, pf.Path, tc.name)
		}
		if seen := s.writtenAs(tc); seen != nil && seen.Physical == ct.phys && seen.TypeLength == ct.length {
			ct.t = seen.Type // the writers' annotation (a uuid as fixed[16], a time adjusted to UTC)
		}
		view = append(view, parquetx.ViewColumn{Name: tc.name, Const: parquetx.NewConst(ct.t, ct.phys, ct.length, val)})
	}
	return pf.View(view)
}

// source is the top-level column of pf that holds table column tc, or nil.
func (s *Snapshot) source(tc tableColumn, pf *parquetx.File) *parquetx.Column {
	if tc.partition {
		return nil
	}
	byID := map[int]*parquetx.Column{}
	byName := map[string]*parquetx.Column{}
	for _, c := range pf.Schema.Columns {
		if strings.Contains(c.Path, ".") {
			continue
		}
		byName[c.Path] = c
		if c.FieldID != 0 {
			byID[c.FieldID] = c
		}
	}
	if s.Format == FormatIceberg && len(byID) == 0 && s.nameMapping != nil {
		// Files written without field ids take them from the name mapping.
		for name, c := range byName {
			if id, ok := s.nameMapping[name]; ok {
				byID[id] = c
			}
		}
		return byID[tc.id] // a name the mapping does not know is not the column
	}
	if tc.id != 0 && len(byID) > 0 {
		return byID[tc.id]
	}
	return byName[tc.physical]
}

// writtenAs is the leaf of the first live file that holds table column
// tc (nil when none does), so a constant column carries the type its
// writers gave it: a contract then sees one type across the files.
func (s *Snapshot) writtenAs(tc tableColumn) *parquetx.Column {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.written[tc.name]; ok {
		return c
	}
	if s.written == nil {
		s.written = map[string]*parquetx.Column{}
	}
	var found *parquetx.Column
	for i := range s.Files {
		if tc.partition {
			break
		}
		r, size, err := s.deletes.openFile(s.Files[i].Path) // a remote table's files through its store
		if err != nil {
			continue
		}
		pf, err := parquetx.OpenReader(s.Files[i].Path, r, size)
		if err != nil {
			r.Close()
			continue
		}
		src := s.source(tc, pf)
		r.Close()
		if src != nil {
			if src.Leaf {
				found = src
			}
			break
		}
	}
	s.written[tc.name] = found
	return found
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// promoted is the table's type of a file column the table promoted (an
// Iceberg int to long, float to double, decimal to a wider precision), nil
// when the file has the table's type. Other differences are refused.
func (s *Snapshot) promoted(tc tableColumn, src *parquetx.Column, pf *parquetx.File) (*parquetx.Type, error) {
	ct, ok := s.typeOf(tc.typ)
	if !ok || !src.Leaf {
		return nil, nil
	}
	from, to := src.Type.Name, ct.t.Name
	switch {
	case from == to && (to != parquetx.TypeDecimal || src.Type == ct.t):
		return nil, nil
	case s.Format == FormatIceberg && (from == parquetx.TypeInt32 && to == parquetx.TypeInt64 ||
		from == parquetx.TypeFloat && to == parquetx.TypeDouble ||
		from == to && src.Type.Scale == ct.t.Scale && src.Type.Precision < ct.t.Precision):
		return &ct.t, nil
	case !from.IsNumeric() && !to.IsNumeric(), from == to && to != parquetx.TypeDecimal:
		return nil, nil // the same values under another annotation (a UTC flag, a uuid as fixed[16], int96 timestamps)
	case s.Format == FormatDelta && from.IsInteger() && to.IsInteger() && src.Physical == ct.phys:
		return nil, nil // Spark writes byte and short as plain int32
	}
	return nil, &UnsupportedError{Table: s.Location, Feature: "type promotion", Detail: fmt.Sprintf("%s holds %q as %s, the table as %s", pf.Path, tc.name, src.Type, tc.typ)}
}

// SameColumns reports whether f and g (one data file in two versions of
// a table) read under the same columns with the same constants.
func (f *File) SameColumns(g *File) bool {
	if f.snap == nil || g.snap == nil {
		return f.snap == g.snap
	}
	if len(f.snap.cols) != len(g.snap.cols) || len(f.consts) != len(g.consts) {
		return false
	}
	for i, a := range f.snap.cols {
		b := g.snap.cols[i]
		if a.name != b.name || a.physical != b.physical || a.id != b.id || a.typ != b.typ || a.partition != b.partition ||
			(a.def == nil) != (b.def == nil) || a.def != nil && !parquet.Equal(*a.def, *b.def) {
			return false
		}
	}
	for k, v := range f.consts {
		w, ok := g.consts[k]
		if !ok || !parquet.Equal(v, w) {
			return false
		}
	}
	return f.snap.Format != FormatIceberg || fmt.Sprint(f.snap.nameMapping) == fmt.Sprint(g.snap.nameMapping)
}

// AsIs reports whether the table's view of pf, a data file opened only for
// this question, is the file as it is: the same top-level columns under the
// same names, none constant. A reader that cannot apply a view (steps with
// no Remote) may read only such files.
func (f *File) AsIs(pf *parquetx.File) (bool, error) {
	var before []string
	for _, c := range pf.Schema.Columns {
		before = append(before, c.Path)
	}
	if err := f.View(pf); err != nil {
		return false, err
	}
	var after []string
	for _, c := range pf.Schema.Columns {
		if c.Const != nil {
			return false, nil
		}
		after = append(after, c.Path)
	}
	return strings.Join(before, "\x00") == strings.Join(after, "\x00"), nil
}

// jsonText is a JSON scalar's text: a string's content, a number's digits.
func jsonText(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if d.Decode(&n) == nil {
		return n.String(), true
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return strconv.FormatBool(b), true
	}
	return "", false
}

// Described is the data file as the table's metadata describes it, for a
// reader that opens it only when a check needs more (parquetx.Deferred):
// its columns under the table's schema with the types View gives them,
// and its live row count. ok is false when the metadata does not state
// them: no schema or row count, rows deleted by delete files (counted
// only by reading them), a nested column, or a type whose Parquet form
// the table does not fix (see certain). A Delta partition column is
// constant, holding the log's value; every other column is described as
// optional, so a pass proved from the description holds for the file.
func (f *File) Described() (cols []*parquetx.Column, rows int64, ok bool) {
	if f == nil || f.snap == nil {
		return nil, 0, false
	}
	s := f.snap
	if len(s.cols) == 0 || f.Stats == nil || f.Stats.NumRecords < 0 || f.Deletes || f.DeletedRows > f.Stats.NumRecords {
		return nil, 0, false
	}
	for _, tc := range s.cols {
		ct, ok := s.typeOf(tc.typ)
		if !ok || !certain(tc.typ) {
			return nil, 0, false
		}
		if tc.partition {
			v, ok := f.consts[tc.name]
			if !ok {
				return nil, 0, false
			}
			c := parquetx.NewConst(ct.t, ct.phys, ct.length, v)
			c.Path = tc.name
			cols = append(cols, c)
			continue
		}
		cols = append(cols, &parquetx.Column{Path: tc.name, Leaf: true, Type: ct.t, Physical: ct.phys, TypeLength: ct.length,
			Repetition: "optional", MaxDefinitionLevel: 1})
	}
	return cols, f.Stats.NumRecords - f.DeletedRows, true
}

// certain reports whether a table type's Parquet form is fixed, so a
// file's type can be known without its footer. Writers disagree on the
// others: timestamps (INT96, milliseconds, nanoseconds), byte and short
// (plain int32 or annotated), time, uuid and fixed (annotated or not).
func certain(typ string) bool {
	switch typ {
	case "string", "binary", "boolean", "integer", "int", "long", "float", "double", "date":
		return true
	}
	return reDecimal.MatchString(typ)
}
