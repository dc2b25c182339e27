package sqlstore

import (
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

// The tables of polymorphic lookups' values (migration 0015).

func (t *tx) SetLookupTargets(ts []store.LookupTarget) error {
	for _, lt := range ts {
		if lt.Target == "" {
			if _, err := t.execC(`DELETE FROM lookuptarget WHERE table_name = $1 AND row_id = $2 AND column_name = $3`, lt.Table, lt.Row, lt.Column); err != nil {
				return err
			}
			continue
		}
		if _, err := t.execC(`INSERT INTO lookuptarget (table_name, row_id, column_name, value_id, target) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (table_name, row_id, column_name) DO UPDATE SET value_id = excluded.value_id, target = excluded.target`,
			lt.Table, lt.Row, lt.Column, lt.Value, lt.Target); err != nil {
			return err
		}
	}
	return nil
}

// lookupTargetBatch is how many rows one statement of LookupTargets asks
// for: well under either database's limit of parameters.
const lookupTargetBatch = 500

func (t *tx) LookupTargets(table string, rows []string) ([]store.LookupTarget, error) {
	var out []store.LookupTarget
	for len(rows) > 0 {
		n := min(len(rows), lookupTargetBatch)
		args := []any{table}
		marks := make([]string, n)
		for i, id := range rows[:n] {
			args = append(args, id)
			marks[i] = "$" + strconv.Itoa(i+2)
		}
		rows = rows[n:]
		q := `SELECT row_id, column_name, value_id, target FROM lookuptarget WHERE table_name = $1 AND row_id IN (` + strings.Join(marks, ", ") +
			`) ORDER BY row_id, column_name`
		rs, err := t.queryC(q, args...)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			lt := store.LookupTarget{Table: table}
			if err := rs.Scan(&lt.Row, &lt.Column, &lt.Value, &lt.Target); err != nil {
				rs.Close()
				return nil, err
			}
			out = append(out, lt)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// polymorphic reports whether tb has a lookup to several tables: only
// its rows can have lookup targets to delete with them.
func polymorphic(tb store.Table) bool {
	for _, c := range tb.Columns {
		if c.Polymorphic() {
			return true
		}
	}
	return false
}
