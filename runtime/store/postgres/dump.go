package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Dump writes every table of the environment in schema — its columns, its
// indexes and its rows in column order — as text, leaving out the tables
// named in skip, environmentlease (until when an exclusive writer said
// it may wait) and environmentlock (how many exclusive writers took it):
// lock state, not data. Two dumps are equal exactly when the
// environments hold the same data; tests use it to show that a refused or
// interrupted import changed nothing.
func Dump(ctx context.Context, url, schema string, skip ...string) (string, error) {
	db, err := openDB(url, schema, DefaultBusyTimeout)
	if err != nil {
		return "", err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil) // REPEATABLE READ: one snapshot
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, '')
FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`, schema)
	if err != nil {
		return "", err
	}
	var tables []string
	defs := map[string][]string{}
	for rows.Next() {
		var table, col, typ, nullable, def string
		if err := rows.Scan(&table, &col, &typ, &nullable, &def); err != nil {
			rows.Close()
			return "", err
		}
		if len(defs[table]) == 0 {
			tables = append(tables, table)
		}
		d := col + " " + typ
		if nullable == "NO" {
			d += " NOT NULL"
		}
		if def != "" {
			d += " DEFAULT " + def
		}
		defs[table] = append(defs[table], d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	var indexes []string
	rows, err = tx.QueryContext(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname`, schema)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			rows.Close()
			return "", err
		}
		def = strings.ReplaceAll(strings.ReplaceAll(def, quoteIdent(schema)+".", ""), " "+schema+".", " ")
		indexes = append(indexes, def+"\n")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, t := range tables {
		if slices.Contains(skip, t) || t == "environmentlease" || t == "environmentlock" {
			continue
		}
		fmt.Fprintf(&b, "TABLE %s (%s)\n", t, strings.Join(defs[t], ", "))
		if err := dumpRows(ctx, tx, t, len(defs[t]), &b); err != nil {
			return "", err
		}
	}
	for _, ix := range indexes {
		b.WriteString(ix)
	}
	return b.String(), nil
}

func dumpRows(ctx context.Context, tx *sql.Tx, table string, ncols int, b *strings.Builder) error {
	order := make([]string, ncols)
	for i := range order {
		order[i] = strconv.Itoa(i + 1)
	}
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+quoteIdent(table)+` ORDER BY `+strings.Join(order, ", "))
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, ncols)
	ptrs := make([]any, ncols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		b.WriteString("  ")
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			if bs, ok := v.([]byte); ok {
				fmt.Fprintf(b, "%x", bs)
			} else {
				fmt.Fprintf(b, "%v", v)
			}
		}
		b.WriteString("\n")
	}
	return rows.Err()
}
