package table

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// An Iceberg SQL catalog (the JDBC catalog's schema, which pyiceberg's
// SqlCatalog shares) kept in a SQLite file: the table iceberg_tables maps
// (catalog_name, table_namespace, table_name) to the table's current
// metadata_location. A reference names the file and the table:
//
//	sqlite:PATH#NAMESPACE.TABLE[?catalog=NAME&warehouse=DIR]
//
// (sqlite:///abs/path.db#ns.t and sqlite:rel/path.db#ns.t alike; the
// namespace may be nested, a.b.t). The metadata locations a catalog
// records are paths on the machine that wrote it (absolute, file://, or
// relative to its working directory); they are resolved inside the
// warehouse, by default the catalog file's folder: the longest tail of
// the recorded path that names a file inside the warehouse is taken. A
// location is never read outside the warehouse, however it is spelled.

// CatalogPrefix starts a SQL catalog reference.
const CatalogPrefix = "sqlite:"

// CatalogRef is a parsed catalog reference.
type CatalogRef struct {
	File, Catalog, Namespace, Table, Warehouse string
}

// ParseCatalogRef parses sqlite:PATH#NAMESPACE.TABLE[?catalog=&warehouse=].
func ParseCatalogRef(ref string) (*CatalogRef, error) {
	rest, ok := strings.CutPrefix(ref, CatalogPrefix)
	if !ok {
		return nil, fmt.Errorf("%s: not a SQL catalog reference (%sPATH#NAMESPACE.TABLE)", ref, CatalogPrefix)
	}
	rest = strings.TrimPrefix(rest, "//")
	file, frag, ok := strings.Cut(rest, "#")
	if !ok || file == "" {
		return nil, fmt.Errorf("%s: name the table after the catalog file: %sPATH#NAMESPACE.TABLE", ref, CatalogPrefix)
	}
	frag, query, _ := strings.Cut(frag, "?")
	i := strings.LastIndex(frag, ".")
	if i <= 0 || i == len(frag)-1 {
		return nil, fmt.Errorf("%s: %q is not NAMESPACE.TABLE", ref, frag)
	}
	c := &CatalogRef{File: file, Namespace: frag[:i], Table: frag[i+1:], Warehouse: filepath.Dir(file)}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	for k := range q {
		if k != "catalog" && k != "warehouse" {
			return nil, fmt.Errorf("%s: unknown parameter %q (catalog, warehouse)", ref, k)
		}
	}
	c.Catalog = q.Get("catalog")
	if w := q.Get("warehouse"); w != "" {
		c.Warehouse = w
	}
	return c, nil
}

// MetadataLocation looks the table up in the catalog and resolves its
// current metadata file inside the warehouse.
func (c *CatalogRef) MetadataLocation() (string, error) {
	db, err := openSQLite(c.File)
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.rows("iceberg_tables")
	if err != nil {
		return "", err
	}
	var found []map[string]any
	for _, r := range rows {
		if r["table_namespace"] == c.Namespace && r["table_name"] == c.Table && (c.Catalog == "" || r["catalog_name"] == c.Catalog) {
			found = append(found, r)
		}
	}
	what := fmt.Sprintf("%s: table %s.%s", c.File, c.Namespace, c.Table)
	switch {
	case len(found) == 0:
		return "", fmt.Errorf("%s is not in the catalog", what)
	case len(found) > 1:
		return "", fmt.Errorf("%s is in %d catalogs of the file: name one (?catalog=NAME)", what, len(found))
	}
	loc, _ := found[0]["metadata_location"].(string)
	if loc == "" {
		return "", fmt.Errorf("%s has no metadata location", what)
	}
	return resolveInWarehouse(c.Warehouse, loc)
}

// resolveInWarehouse finds the file a recorded location names inside the
// warehouse: the longest tail of its path segments that is a regular file
// there. within keeps every candidate inside.
func resolveInWarehouse(warehouse, loc string) (string, error) {
	p := loc
	if u, err := url.Parse(loc); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		if u.Scheme != "file" {
			return "", &UnsupportedError{Table: loc, Feature: u.Scheme + ":// metadata location", Detail: "only local warehouses are read"}
		}
		p = u.Host + u.Path
	}
	segs := strings.FieldsFunc(filepath.ToSlash(p), func(r rune) bool { return r == '/' })
	for i := range segs {
		if segs[i] == ".." || segs[i] == "." {
			continue
		}
		cand, err := within(warehouse, strings.Join(segs[i:], "/"))
		if err != nil {
			continue
		}
		if st, err := os.Stat(cand); err == nil && st.Mode().IsRegular() {
			return cand, nil
		}
	}
	return "", fmt.Errorf("metadata location %s names no file inside the warehouse %s", loc, warehouse)
}

// OpenCatalog reads the table a SQL catalog reference names.
func OpenCatalog(ref string, opts Options) (*Snapshot, error) {
	c, err := ParseCatalogRef(ref)
	if err != nil {
		return nil, err
	}
	meta, err := c.MetadataLocation()
	if err != nil {
		return nil, err
	}
	return OpenIceberg(meta, opts)
}
