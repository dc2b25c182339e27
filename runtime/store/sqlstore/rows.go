package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Rows of real tables, read and written with the caller's metadata so that
// a hot path (a stage transition) costs one statement per row.

// sqlValue is a value as stored: times as RFC 3339 text, flags as 0/1.
func sqlValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return formatTime(x)
	case bool:
		return int64(b2i(x))
	case int:
		return int64(x)
	}
	return v
}

// rowValue converts a value read from the column c to its Go type.
func rowValue(c store.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch c.Type {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			return strconv.ParseBool(x)
		}
	case "integer", "choice", "state", "status", store.TypeRowVersion:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
	case "decimal", "money":
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case "datetime":
		s, ok := v.(string)
		if !ok {
			break
		}
		if s == "" {
			return nil, nil
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, err
		}
		return tm, nil
	default:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

// selectRows builds SELECT <every column> FROM <t>.
func selectRows(tb store.Table) (string, error) {
	qt, err := quote(tb.Name)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range tb.Columns {
		qc, err := quote(c.Name)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(qc)
	}
	b.WriteString(" FROM ")
	b.WriteString(qt)
	return b.String(), nil
}

func scanRows(tb store.Table, rows *sql.Rows) ([]store.Row, error) {
	defer rows.Close()
	vals := make([]any, len(tb.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []store.Row
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(store.Row, len(vals))
		for i, c := range tb.Columns {
			v, err := rowValue(c, vals[i])
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", tb.Name, c.Name, err)
			}
			row[c.Name] = v
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// selectRow builds the SELECT of one row by primary key.
func selectRow(tb store.Table) (string, error) {
	q, err := selectRows(tb)
	if err != nil {
		return "", err
	}
	pk, err := quote(tb.PrimaryKey)
	if err != nil {
		return "", err
	}
	return q + " WHERE " + pk + " = $1", nil
}

// oneRow returns the only row of rows, or ErrNotFound.
func oneRow(tb store.Table, id string, rows *sql.Rows) (store.Row, error) {
	out, err := scanRows(tb, rows)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound(tb.Name, id)
	}
	return out[0], nil
}

func (t *tx) GetRow(tb store.Table, id string) (store.Row, error) {
	q, err := selectRow(tb)
	if err != nil {
		return nil, err
	}
	rows, err := t.queryC(q, id)
	if err != nil {
		return nil, err
	}
	return oneRow(tb, id, rows)
}

var _ store.RowReader = (*DB)(nil)

// ReadRow reads one row in a statement of its own.
func (s *DB) ReadRow(ctx context.Context, tb store.Table, id string) (store.Row, error) {
	q, err := selectRow(tb)
	if err != nil {
		return nil, err
	}
	st, err := s.cache.get(ctx, s.db, q)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	s.counts.statements.Add(1)
	if st != nil {
		rows, err = st.QueryContext(ctx, id)
	} else {
		rows, err = s.db.QueryContext(ctx, q, id)
	}
	if err != nil {
		return nil, err
	}
	return oneRow(tb, id, rows)
}

func (t *tx) FindRows(tb store.Table, match map[string]any) ([]store.Row, error) {
	q, err := selectRows(tb)
	if err != nil {
		return nil, err
	}
	pk, err := quote(tb.PrimaryKey)
	if err != nil {
		return nil, err
	}
	var conds []string
	var args []any
	for _, name := range slices.Sorted(maps.Keys(match)) {
		qc, err := quote(name)
		if err != nil {
			return nil, err
		}
		if match[name] == nil {
			conds = append(conds, qc+" IS NULL")
			continue
		}
		args = append(args, sqlValue(match[name]))
		conds = append(conds, qc+" = $"+strconv.Itoa(len(args)))
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := t.queryC(q+" ORDER BY "+pk, args...)
	if err != nil {
		return nil, err
	}
	return scanRows(tb, rows)
}

// setClause is an UPDATE's SET list: the row version counted up, then
// values by column name; arg adds a value to the statement's arguments and
// returns its placeholder.
func setClause(tb store.Table, values map[string]any, arg func(any) string) (string, error) {
	rv, _ := quote(store.RowVersionColumn)
	sets := []string{rv + " = " + rv + " + 1"}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if name == store.RowVersionColumn || name == tb.PrimaryKey {
			return "", fmt.Errorf("%s.%s cannot be updated", tb.Name, name)
		}
		qc, err := quote(name)
		if err != nil {
			return "", err
		}
		sets = append(sets, qc+" = "+arg(sqlValue(values[name])))
	}
	return strings.Join(sets, ", "), nil
}

// quoteTable quotes a table's name and primary key.
func quoteTable(t store.Table) (name, pk string, err error) {
	if name, err = quote(t.Name); err == nil {
		pk, err = quote(t.PrimaryKey)
	}
	return name, pk, err
}

func (t *tx) UpdateRow(tb store.Table, id string, values map[string]any, version int64) (int64, error) {
	qt, pk, err := quoteTable(tb)
	if err != nil {
		return 0, err
	}
	rv, _ := quote(store.RowVersionColumn)
	args := []any{id}
	set, err := setClause(tb, values, func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	})
	if err != nil {
		return 0, err
	}
	q := "UPDATE " + qt + " SET " + set + " WHERE " + pk + " = $1"
	var next int64
	if version > 0 {
		// The new version is known: a plain statement, no result rows.
		args = append(args, version)
		res, xerr := t.execC(q+" AND "+rv+" = $"+strconv.Itoa(len(args)), args...)
		if xerr != nil {
			return 0, xerr
		}
		if n, xerr := res.RowsAffected(); xerr != nil || n == 1 {
			return version + 1, xerr
		}
		err = sql.ErrNoRows
	} else {
		err = t.write1C(q+" RETURNING "+rv, args, &next)
	}
	if errors.Is(err, sql.ErrNoRows) {
		var have int64
		err := t.queryRow("SELECT "+rv+" FROM "+qt+" WHERE "+pk+" = $1", id).Scan(&have)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, notFound(tb.Name, id)
		}
		if err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("%s %s is at version %d, not %d: %w", tb.Name, id, have, version, store.ErrConflict)
	}
	return next, err
}

var _ store.RowLocker = (*tx)(nil)

// LockRow locks a row for the rest of a shared write. On a database whose
// shared writes run beside each other (REPEATABLE READ on PostgreSQL) that
// takes an UPDATE that changes nothing, not a SELECT … FOR UPDATE: a
// transaction that waited for a row another one only locked goes on with
// its old snapshot when that one commits, while one that waited for a row
// another one updated fails with a serialization failure, and
// store.WriteShared runs it again on a snapshot that sees what the other
// one did. Where writes run one at a time (SQLite) every write sees the
// rows as they are: there LockRow does nothing.
func (t *tx) LockRow(tb store.Table, id string) error {
	if !t.write {
		return errReadOnly
	}
	if _, shared := t.d.(SharedDialect); !shared {
		return nil
	}
	qt, err := quote(tb.Name)
	if err != nil {
		return err
	}
	pk, err := quote(tb.PrimaryKey)
	if err != nil {
		return err
	}
	res, err := t.execC("UPDATE "+qt+" SET "+pk+" = "+pk+" WHERE "+pk+" = $1", id)
	if err != nil {
		return err
	}
	return affected(res, tb.Name, id)
}

func (t *tx) DeleteRow(tb store.Table, id string) error {
	qt, err := quote(tb.Name)
	if err != nil {
		return err
	}
	pk, err := quote(tb.PrimaryKey)
	if err != nil {
		return err
	}
	res, err := t.execC("DELETE FROM "+qt+" WHERE "+pk+" = $1", id)
	if err != nil {
		return err
	}
	if err := affected(res, tb.Name, id); err != nil || !polymorphic(tb) {
		return err
	}
	// A row made again with this id must not read the old one's targets.
	_, err = t.execC(`DELETE FROM lookuptarget WHERE table_name = $1 AND row_id = $2`, tb.Name, id)
	return err
}
