package parquetx

// TypeName is a column's logical type name as contracts and evidence write
// it; the methods group the names so callers never compare strings.
type TypeName string

// The type names. A leaf has the logical (or legacy converted) type when the
// file gives one, else its physical type's name.
const (
	TypeInt8      TypeName = "int8"
	TypeInt16     TypeName = "int16"
	TypeInt32     TypeName = "int32"
	TypeInt64     TypeName = "int64"
	TypeUint8     TypeName = "uint8"
	TypeUint16    TypeName = "uint16"
	TypeUint32    TypeName = "uint32"
	TypeUint64    TypeName = "uint64"
	TypeFloat16   TypeName = "float16"
	TypeFloat     TypeName = "float"
	TypeDouble    TypeName = "double"
	TypeBoolean   TypeName = "boolean"
	TypeString    TypeName = "string"
	TypeBinary    TypeName = "binary"
	TypeUUID      TypeName = "uuid"
	TypeJSON      TypeName = "json"
	TypeBSON      TypeName = "bson"
	TypeDate      TypeName = "date"
	TypeTime      TypeName = "time"
	TypeTimestamp TypeName = "timestamp"
	TypeDecimal   TypeName = "decimal"
	TypeInt96     TypeName = "int96"
	TypeInterval  TypeName = "interval"
	TypeNull      TypeName = "null"
	TypeGeometry  TypeName = "geometry"
	TypeGeography TypeName = "geography"
	TypeVariant   TypeName = "variant"
	TypeList      TypeName = "list"
	TypeMap       TypeName = "map"
	TypeStruct    TypeName = "struct"
)

// TypeNames lists every type name, in the order contracts document them.
var TypeNames = []TypeName{
	TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeUint8, TypeUint16, TypeUint32, TypeUint64,
	TypeFloat16, TypeFloat, TypeDouble, TypeBoolean, TypeString, TypeBinary, TypeUUID, TypeJSON, TypeBSON,
	TypeDate, TypeTime, TypeTimestamp, TypeDecimal, TypeInt96, TypeInterval, TypeNull,
	TypeGeometry, TypeGeography, TypeVariant, TypeList, TypeMap, TypeStruct,
}

// IsInteger reports int8..int64 and uint8..uint64.
func (n TypeName) IsInteger() bool {
	switch n {
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		return true
	}
	return false
}

// IsUnsigned reports uint8..uint64.
func (n TypeName) IsUnsigned() bool {
	switch n {
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		return true
	}
	return false
}

// IsFloat reports float and double (float16 values are not decoded).
func (n TypeName) IsFloat() bool { return n == TypeFloat || n == TypeDouble }

// IsDecimal reports decimal, of any physical type.
func (n TypeName) IsDecimal() bool { return n == TypeDecimal }

// IsNumeric reports the types min and max apply to: integers, floats, decimals.
func (n TypeName) IsNumeric() bool { return n.IsInteger() || n.IsFloat() || n.IsDecimal() }

// IsTemporal reports date, time and timestamp.
func (n TypeName) IsTemporal() bool { return n == TypeDate || n == TypeTime || n == TypeTimestamp }

// IsString reports the types whose bytes are text: string and json.
func (n TypeName) IsString() bool { return n == TypeString || n == TypeJSON }

// IsTextual reports the types patterns and lengths apply to.
func (n TypeName) IsTextual() bool { return n.IsString() || n == TypeBinary || n == TypeUUID }

// IsCollection reports list and map.
func (n TypeName) IsCollection() bool { return n == TypeList || n == TypeMap }

// IsGroup reports the nested types: list, map, struct.
func (n TypeName) IsGroup() bool { return n.IsCollection() || n == TypeStruct }
