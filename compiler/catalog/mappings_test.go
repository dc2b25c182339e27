package catalog

import (
	"strings"
	"testing"
)

// TestMappingsFitTheirColumns: a mapping's relationship is a known one,
// and each mapping copies a column of the lookup's target into a column of
// the same type (and no shorter) on the new record's table.
func TestMappingsFitTheirColumns(t *testing.T) {
	for key, ms := range mappings {
		parts := strings.Split(key, ".")
		tb, ok := Lookup(parts[0])
		if !ok {
			t.Errorf("%s: no table %s", key, parts[0])
			continue
		}
		lk, ok := tb.column(parts[1])
		if !ok || lk.Type != "lookup" || lk.Target == "" {
			t.Errorf("%s: %s has no lookup %s to one table", key, parts[0], parts[1])
			continue
		}
		if _, ok := relationships[key]; !ok {
			t.Errorf("%s: no relationship name", key)
		}
		src, _ := Lookup(lk.Target)
		for _, m := range ms {
			from, ok1 := src.column(m.Source)
			to, ok2 := tb.column(m.Target)
			switch {
			case !ok1 || !ok2:
				t.Errorf("%s: %s.%s -> %s.%s: no such column", key, src.Name, m.Source, tb.Name, m.Target)
			case from.Type != to.Type || from.Target != to.Target:
				t.Errorf("%s: %s.%s is %s %s, %s.%s is %s %s", key, src.Name, m.Source, from.Type, from.Target, tb.Name, m.Target, to.Type, to.Target)
			case to.MaxLength != 0 && from.MaxLength > to.MaxLength:
				t.Errorf("%s: %s.%s holds %d characters, %s.%s %d", key, src.Name, m.Source, from.MaxLength, tb.Name, m.Target, to.MaxLength)
			}
		}
	}
	if ms, ok := Mappings("opportunity", "originatingleadid"); !ok || ms[0] != (Mapping{"subject", "name"}) {
		t.Errorf("lead to opportunity: %v %v", ms, ok)
	}
	if _, ok := Mappings("incident", "customerid"); ok {
		t.Error("incident.customerid has no documented mappings")
	}
}
