package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// Dump writes every table of the environment file at path — its definition
// and its rows in primary-key order — as text, leaving out the tables named
// in skip. Two dumps are equal exactly when the environments hold the same
// data; tests use it to show that a refused or interrupted import changed
// nothing.
func Dump(ctx context.Context, path string, skip ...string) (string, error) {
	db, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type, name`)
	if err != nil {
		return "", err
	}
	type obj struct{ name, sql string }
	var objs []obj
	for rows.Next() {
		var o obj
		if err := rows.Scan(&o.name, &o.sql); err != nil {
			rows.Close()
			return "", err
		}
		objs = append(objs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, o := range objs {
		if slices.Contains(skip, o.name) {
			continue
		}
		fmt.Fprintf(&b, "%s\n", o.sql)
		if !strings.HasPrefix(o.sql, "CREATE TABLE") {
			continue
		}
		if err := sqlstore.DumpRows(ctx, db, `SELECT * FROM "`+o.name+`" ORDER BY 1`, &b); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}
