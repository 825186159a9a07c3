package contract

import "strings"

// Split divides the contract for an incremental check of a table: added
// holds every rule but the dataset-level ones, to check only the data
// added since a version; whole holds only those (row bounds, unique keys,
// unique columns), which the whole table must meet, and is nil when the
// contract has none. A new row may duplicate an old one, and the row
// count is the table's, so these never look at the added data alone.
func (c *Contract) Split() (added, whole *Contract) {
	a, w := *c, *c
	a.Dataset = Dataset{Strict: c.Dataset.Strict, Keys: c.Dataset.Keys, keysPos: c.Dataset.keysPos}
	w.Dataset = Dataset{MinRows: c.Dataset.MinRows, MaxRows: c.Dataset.MaxRows, Unique: c.Dataset.Unique}
	a.Columns, w.Columns = nil, nil
	for _, col := range c.Columns {
		ac := *col
		ac.Unique = nil
		a.Columns = append(a.Columns, &ac)
		if col.Unique != nil {
			w.Columns = append(w.Columns, &Column{Name: col.Name, Pos: col.Pos, Default: col.Default, Unique: col.Unique})
		}
	}
	if w.Dataset.MinRows == nil && w.Dataset.MaxRows == nil && len(w.Dataset.Unique) == 0 && len(w.Columns) == 0 {
		return &a, nil
	}
	return &a, &w
}

// WholeTableCheck reports whether a check of a run of the whole part of
// a split contract is that part's: the presence checks of its unique
// columns belong to the added part.
func WholeTableCheck(id string) bool {
	return strings.HasPrefix(id, "dataset.") || strings.HasSuffix(id, ".unique")
}
