package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Querier runs a query: a *sql.DB or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// DumpRows writes the rows query returns to b as the dialects' Dump writes
// a table's rows: a line each, indented by two spaces, columns separated by
// " | ", bytes in hex.
func DumpRows(ctx context.Context, q Querier, query string, b *strings.Builder) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
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
