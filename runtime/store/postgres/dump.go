package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/runtime/store/sqlstore"
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
		if err := sqlstore.DumpRows(ctx, tx, rowsQuery(t, len(defs[t])), &b); err != nil {
			return "", err
		}
	}
	for _, ix := range indexes {
		b.WriteString(ix)
	}
	return b.String(), nil
}

// rowsQuery selects a table's rows in the order of all its columns.
func rowsQuery(table string, ncols int) string {
	order := make([]string, ncols)
	for i := range order {
		order[i] = strconv.Itoa(i + 1)
	}
	return `SELECT * FROM ` + quoteIdent(table) + ` ORDER BY ` + strings.Join(order, ", ")
}
