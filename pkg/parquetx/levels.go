package parquetx

import "strings"

// ElementLevel is the definition level from which a value of leaf exists:
// the level of its innermost repeated node (the leaf itself or an ancestor),
// 0 outside lists and maps. A null read at a lower level is an empty or null
// list (or map), not a null element.
func (s *Schema) ElementLevel(leaf *Column) int {
	level := 0
	for _, c := range s.Columns {
		if c.Repetition == "repeated" && (c.Path == leaf.Path || strings.HasPrefix(leaf.Path, c.Path+".")) {
			level = max(level, c.MaxDefinitionLevel)
		}
	}
	return level
}
