package parquetx

import (
	"fmt"

	"github.com/parquet-go/parquet-go"

	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// Type is a column's type as a data contract names it: the logical type when
// the file has one (or a legacy converted type), else the physical type.
type Type struct {
	// Name is one of TypeNames.
	Name TypeName
	// Unit is ms, us or ns for time and timestamp.
	Unit string
	// UTC is isAdjustedToUTC for time and timestamp.
	UTC bool
	// Precision and Scale are set for decimal.
	Precision, Scale int
}

// String formats the type the way contracts write it, e.g. "decimal(10,2)",
// "timestamp(us, utc)".
func (t Type) String() string {
	switch t.Name {
	case TypeDecimal:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case TypeTime, TypeTimestamp:
		if t.UTC {
			return fmt.Sprintf("%s(%s, utc)", t.Name, t.Unit)
		}
		return fmt.Sprintf("%s(%s)", t.Name, t.Unit)
	}
	return string(t.Name)
}

// Group reports whether the type is a nested one (list, map, struct).
func (t Type) Group() bool { return t.Name.IsGroup() }

// Column is one node of a file's schema, a group or a leaf.
type Column struct {
	// Path is the dotted path from the root, e.g. "user.address.city".
	Path string
	// Leaf is true for primitive columns, which hold values; Index is then the
	// leaf's position (the column chunk index in every row group), else -1.
	Leaf  bool
	Index int
	Type  Type
	// Physical is the physical type of a leaf (INT32, BYTE_ARRAY, ...).
	Physical format.Type
	// TypeLength is the byte width of a FIXED_LEN_BYTE_ARRAY leaf.
	TypeLength int
	// Repetition is this node's own repetition: required, optional, repeated.
	Repetition string
	// MaxDefinitionLevel and MaxRepetitionLevel count the optional and
	// repeated nodes from the root down to this one, inclusive.
	MaxDefinitionLevel int
	MaxRepetitionLevel int
	// InCollection is true under a list or a map (or a repeated field): such a
	// leaf holds several values per row.
	InCollection bool
	// FieldID is the writer's field id (Iceberg), 0 when it wrote none.
	FieldID int
	// Const is set for a constant leaf of a table view (File.View): the
	// one value of every row, read from no chunk.
	Const *parquet.Value
}

// Nullable reports whether a value of this column can be null in a row, i.e.
// this node or an ancestor is optional.
func (c *Column) Nullable() bool { return c.MaxDefinitionLevel > c.MaxRepetitionLevel }

// Schema is a file's schema as a list of nodes in depth-first order.
type Schema struct {
	Columns []*Column
	// Leaves are the leaf columns in column-chunk order.
	Leaves []*Column
	byPath map[string]*Column
}

// Lookup returns the node with the dotted path, or nil.
func (s *Schema) Lookup(path string) *Column { return s.byPath[path] }

// buildSchema turns the flattened Thrift schema into nodes, rejecting
// malformed trees (child counts that run past the list, invalid physical
// types) that parquet-go would otherwise interpret silently.
func buildSchema(elems []format.SchemaElement) (*Schema, error) {
	if len(elems) == 0 {
		return nil, fmt.Errorf("the schema is empty")
	}
	s := &Schema{byPath: map[string]*Column{}}
	b := schemaBuilder{elems: elems, s: s}
	next, err := b.children(0, "", 0, 0, false, false)
	if err != nil {
		return nil, err
	}
	if next != len(elems) {
		return nil, fmt.Errorf("the schema lists %d elements but its tree holds %d", len(elems), next)
	}
	return s, nil
}

type schemaBuilder struct {
	elems []format.SchemaElement
	s     *Schema
}

// children walks the children of element i and returns the index after them.
func (b *schemaBuilder) children(i int, prefix string, def, rep int, inColl, wrappers bool) (int, error) {
	n := 0
	if b.elems[i].NumChildren.Valid {
		n = int(b.elems[i].NumChildren.V)
	}
	if n < 0 || n > len(b.elems)-i-1 {
		return 0, fmt.Errorf("schema element %q: num_children %d is out of range", b.elems[i].Name, n)
	}
	next := i + 1
	for k := 0; k < n; k++ {
		if next >= len(b.elems) {
			return 0, fmt.Errorf("schema element %q: its children run past the end of the schema", b.elems[i].Name)
		}
		var err error
		next, err = b.node(next, prefix, def, rep, inColl, wrappers)
		if err != nil {
			return 0, err
		}
	}
	return next, nil
}

// node adds element i; wrapper is true for the direct child of a list or map
// group (its repeated key_value or list wrapper).
func (b *schemaBuilder) node(i int, prefix string, def, rep int, inColl, wrapper bool) (int, error) {
	e := b.elems[i]
	path := e.Name
	if prefix != "" {
		path = prefix + "." + e.Name
	}
	c := &Column{Path: path, Index: -1, Repetition: "required", FieldID: int(e.FieldID)}
	if e.RepetitionType.Valid {
		switch e.RepetitionType.V {
		case format.Required:
		case format.Optional:
			c.Repetition = "optional"
			def++
		case format.Repeated:
			c.Repetition = "repeated"
			def++
			rep++
			inColl = true
		default:
			return 0, fmt.Errorf("column %q: invalid repetition type %d", path, e.RepetitionType.V)
		}
	}
	c.MaxDefinitionLevel, c.MaxRepetitionLevel, c.InCollection = def, rep, inColl
	isGroup := e.NumChildren.Valid && e.NumChildren.V > 0
	if !isGroup {
		if !e.Type.Valid {
			return 0, fmt.Errorf("column %q: a leaf without a physical type", path)
		}
		if e.Type.V < format.Boolean || e.Type.V > format.FixedLenByteArray {
			return 0, &CorruptError{RowGroup: -1, Column: path, Reason: fmt.Sprintf("invalid physical type %d (valid types are 0..7)", e.Type.V)}
		}
		c.Leaf = true
		c.Index = len(b.s.Leaves)
		c.Physical = e.Type.V
		if e.TypeLength.Valid {
			c.TypeLength = int(e.TypeLength.V)
		}
		if c.Physical == format.FixedLenByteArray && c.TypeLength <= 0 {
			return 0, fmt.Errorf("column %q: FIXED_LEN_BYTE_ARRAY without a positive type_length", path)
		}
		c.Type = leafType(e)
		b.s.Leaves = append(b.s.Leaves, c)
	} else {
		c.Type = groupType(e, wrapper)
	}
	b.s.Columns = append(b.s.Columns, c)
	if _, dup := b.s.byPath[path]; !dup {
		b.s.byPath[path] = c
	}
	if !isGroup {
		return i + 1, nil
	}
	collection := c.Type.Name.IsCollection()
	return b.children(i, path, def, rep, inColl || collection, collection)
}

func groupType(e format.SchemaElement, wrapper bool) Type {
	switch e.LogicalType.Value.(type) {
	case *format.ListType:
		return Type{Name: TypeList}
	case *format.MapType:
		return Type{Name: TypeMap}
	case *format.VariantType:
		return Type{Name: TypeVariant}
	}
	if e.ConvertedType.Valid {
		switch e.ConvertedType.V {
		case deprecated.List:
			return Type{Name: TypeList}
		case deprecated.Map, deprecated.MapKeyValue:
			return Type{Name: TypeMap}
		}
	}
	if !wrapper && e.RepetitionType.Valid && e.RepetitionType.V == format.Repeated {
		return Type{Name: TypeList}
	}
	return Type{Name: TypeStruct}
}

func unitName(u format.TimeUnit) string {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return "ms"
	case *format.MicroSeconds:
		return "us"
	case *format.NanoSeconds:
		return "ns"
	}
	return "unknown"
}

func leafType(e format.SchemaElement) Type {
	switch lt := e.LogicalType.Value.(type) {
	case *format.StringType, *format.EnumType:
		return Type{Name: TypeString}
	case *format.UUIDType:
		return Type{Name: TypeUUID}
	case *format.JsonType:
		return Type{Name: TypeJSON}
	case *format.BsonType:
		return Type{Name: TypeBSON}
	case *format.DateType:
		return Type{Name: TypeDate}
	case *format.Float16Type:
		return Type{Name: TypeFloat16}
	case *format.NullType:
		return Type{Name: TypeNull}
	case *format.IntType:
		name := fmt.Sprintf("int%d", lt.BitWidth)
		if !lt.IsSigned {
			name = "u" + name
		}
		return Type{Name: TypeName(name)}
	case *format.DecimalType:
		return Type{Name: TypeDecimal, Precision: int(lt.Precision), Scale: int(lt.Scale)}
	case *format.TimeType:
		return Type{Name: TypeTime, Unit: unitName(lt.Unit), UTC: lt.IsAdjustedToUTC}
	case *format.TimestampType:
		return Type{Name: TypeTimestamp, Unit: unitName(lt.Unit), UTC: lt.IsAdjustedToUTC}
	case *format.GeometryType:
		return Type{Name: TypeGeometry}
	case *format.GeographyType:
		return Type{Name: TypeGeography}
	}
	if e.ConvertedType.Valid {
		switch ct := e.ConvertedType.V; ct {
		case deprecated.UTF8, deprecated.Enum:
			return Type{Name: TypeString}
		case deprecated.Json:
			return Type{Name: TypeJSON}
		case deprecated.Bson:
			return Type{Name: TypeBSON}
		case deprecated.Date:
			return Type{Name: TypeDate}
		case deprecated.TimeMillis:
			return Type{Name: TypeTime, Unit: "ms", UTC: true}
		case deprecated.TimeMicros:
			return Type{Name: TypeTime, Unit: "us", UTC: true}
		case deprecated.TimestampMillis:
			return Type{Name: TypeTimestamp, Unit: "ms", UTC: true}
		case deprecated.TimestampMicros:
			return Type{Name: TypeTimestamp, Unit: "us", UTC: true}
		case deprecated.Interval:
			return Type{Name: TypeInterval}
		case deprecated.Decimal:
			return Type{Name: TypeDecimal, Precision: int(e.Precision.V), Scale: int(e.Scale.V)}
		case deprecated.Int8, deprecated.Int16, deprecated.Int32, deprecated.Int64,
			deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			return Type{Name: convertedIntName(ct)}
		}
	}
	switch e.Type.V {
	case format.Boolean:
		return Type{Name: TypeBoolean}
	case format.Int32:
		return Type{Name: TypeInt32}
	case format.Int64:
		return Type{Name: TypeInt64}
	case format.Int96:
		return Type{Name: TypeInt96}
	case format.Float:
		return Type{Name: TypeFloat}
	case format.Double:
		return Type{Name: TypeDouble}
	}
	return Type{Name: TypeBinary}
}

func convertedIntName(ct deprecated.ConvertedType) TypeName {
	return map[deprecated.ConvertedType]TypeName{
		deprecated.Int8: TypeInt8, deprecated.Int16: TypeInt16, deprecated.Int32: TypeInt32, deprecated.Int64: TypeInt64,
		deprecated.Uint8: TypeUint8, deprecated.Uint16: TypeUint16, deprecated.Uint32: TypeUint32, deprecated.Uint64: TypeUint64,
	}[ct]
}
