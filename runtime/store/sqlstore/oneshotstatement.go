package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// WriteOnceBatch applies one-shot writes of one shape (the same table,
// columns and value types updated, the same tables read, each a move of
// the updated instance) in one statement, each if its own conditions
// hold, and says which it applied. errs[i] is write i's error: when the
// database refused the statement (it wrote nothing), each write is tried
// again alone, so that one write's error is not its neighbours'; any
// other error (writes of other shapes or of one instance twice, a dialect
// that cannot, a lost connection) is every write's.
func (s *DB) WriteOnceBatch(ctx context.Context, ws []store.OneShot) (applied []bool, errs []error) {
	shape, err := oneShape(ws)
	if err != nil {
		errs = make([]error, len(ws))
		for i := range errs {
			errs[i] = err
		}
		return make([]bool, len(ws)), errs
	}
	return s.writeTogether(ctx, shape, ws)
}

// oneShape is the shape of writes that can be applied together: all of
// one shape, each of another instance.
func oneShape(ws []store.OneShot) (string, error) {
	if len(ws) == 0 {
		return "", errors.New("no one-shot writes to apply")
	}
	shape, ok := batchShape(ws[0])
	if !ok {
		return "", errors.New("these one-shot writes cannot be applied together")
	}
	ids := map[string]bool{}
	for i, w := range ws {
		if sh, ok := batchShape(w); !ok || sh != shape {
			return "", fmt.Errorf("one-shot write %d is not of the shape of the first", i)
		}
		if ids[w.Update.ID] {
			return "", fmt.Errorf("one-shot writes of %s twice", w.Update.ID)
		}
		ids[w.Update.ID] = true
	}
	return shape, nil
}

// writeTogether is WriteOnceBatch for writes known to be of shape, each
// of another instance (the queue's are).
func (s *DB) writeTogether(ctx context.Context, shape string, ws []store.OneShot) (applied []bool, errs []error) {
	applied, errs = make([]bool, len(ws)), make([]error, len(ws))
	oks, err := s.oneStatement(ctx, shape, ws)
	if d, ok := s.d.(OneShotBatchDialect); ok && err != nil && d.IsStatementError(err) {
		for i, w := range ws {
			applied[i], errs[i] = s.writeOne(ctx, w, shape)
		}
		return applied, errs
	}
	for i := range ws {
		applied[i], errs[i] = err == nil && oks[i], err
	}
	return applied, errs
}

// oneStatement is writeTogether's statement.
func (s *DB) oneStatement(ctx context.Context, shape string, ws []store.OneShot) ([]bool, error) {
	d, ok := s.d.(OneShotBatchDialect)
	if !ok {
		return nil, errors.New("this store cannot apply one-shot writes together")
	}
	ids := make(map[string]int, len(ws))
	for i, w := range ws {
		ids[w.Update.ID] = i
	}
	q, err := batchSQL(d, shape, ws[0])
	if err != nil {
		return nil, err
	}
	args := batchArgs(ws)
	st, err := s.cache.get(ctx, s.db, q)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	s.counts.statements.Add(1)
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = s.db.QueryContext(ctx, q, args...)
	}
	oks := make([]bool, len(ws))
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var id string
			if err = rows.Scan(&id); err != nil {
				break
			}
			if i, ok := ids[id]; ok {
				oks[i] = true
			}
		}
		if err == nil {
			err = rows.Err()
		}
	}
	switch {
	case err != nil && (d.IsBusy(err) || d.IsRetryable(err)):
		// An exclusive writer holds the environment, or a concurrent
		// change won a row (or two statements locked theirs in turn):
		// nothing was written, each decides again.
		return make([]bool, len(ws)), nil
	case err != nil:
		return nil, fmt.Errorf("one-shot write of %d rows of %s: %w", len(ws), ws[0].Update.Table.Name, err)
	}
	return oks, nil
}

// batchShape is what the statement of a batch of one-shot writes depends
// on, or false when w cannot be batched: only a move (the exit of the
// instance's open stay and the entry of its next, with the update of the
// instance itself) whose values are text or numbers.
func batchShape(w store.OneShot) (string, bool) {
	u, x, v := w.Update, w.Leave, w.Enter
	if x == nil || v == nil || v.InstanceID != u.ID || u.Version < 0 || !oneMove(x, v) {
		return "", false
	}
	var b strings.Builder
	write := func(s ...string) {
		for _, s := range s {
			b.WriteString(s)
		}
	}
	write(u.Table.Name, "\x00", u.Table.PrimaryKey, "\x00", strconv.FormatBool(!u.Created.IsZero()))
	for _, name := range sortedKeys(u.Values) {
		t, ok := sqlElemType(u.Values[name])
		if !ok {
			return "", false
		}
		write("\x00", name, "=", t)
	}
	for _, r := range sortedReads(w.Reads) {
		write("\x00read ", r.Table.Name, "\x00", r.Table.PrimaryKey, "\x00", strconv.FormatBool(!r.Created.IsZero()))
	}
	return b.String(), true
}

// sortedKeys are the columns of values in order.
func sortedKeys(values map[string]any) []string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// createdCol is the batch's column for a row's createdon (col adds it),
// or "" when RowVersion.Created asks for none.
func createdCol(r store.RowVersion, name string, col func(name, typ string) string) string {
	if r.Created.IsZero() {
		return ""
	}
	return col(name, "text")
}

// sqlElemType is elemType of sqlValue(v), without formatting a time.
func sqlElemType(v any) (string, bool) {
	switch v.(type) {
	case time.Time:
		return "text", true
	case bool, int:
		return "bigint", true
	}
	return elemType(v)
}

// elemType is the array element type of a value, where it has one.
func elemType(v any) (string, bool) {
	switch v.(type) {
	case string:
		return "text", true
	case int64:
		return "bigint", true
	case float64:
		return "double precision", true
	}
	return "", false
}

// sortedReads orders a write's reads by table and id: the same column of
// the batch reads the same table in every write.
func sortedReads(rs []store.RowVersion) []store.RowVersion {
	if len(rs) < 2 {
		return rs // in order (the callers only read it)
	}
	return slices.SortedFunc(slices.Values(rs), func(a, b store.RowVersion) int {
		if c := strings.Compare(a.Table.Name, b.Table.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// batchStatements are the batch statements built, by dialect and shape.
var batchStatements sync.Map

// batchSQL is the statement of a batch of the shape of w: the writes come
// as rows w (stamp, gen, id, ver[, cr], s0…, r0id, r0ver[, r0cr]…, the
// stay's columns after its instance), ok are those whose conditions hold,
// u updates their instances (in order of id, as they come) and e begins
// the stays of those it updated, each carrying the end of the one before.
func batchSQL(d OneShotBatchDialect, shape string, w store.OneShot) (string, error) {
	key := statementKey{d.Name(), shape}
	if q, ok := batchStatements.Load(key); ok {
		return q.(string), nil
	}
	var cols, types, conds []string
	col := func(name, typ string) string {
		cols, types = append(cols, name), append(types, typ)
		return "ok." + name
	}
	col("stamp", "bigint")
	col("gen", "bigint")
	col("id", "text")
	col("ver", "bigint")
	u := w.Update
	qt, pk, err := quoteTable(u.Table)
	if err != nil {
		return "", err
	}
	// Qualified: the columns of ok are in scope too.
	where := rowAt("t.", pk, "ok.id", "ok.ver", createdCol(u.RowVersion, "cr", col))
	// The values, in setClause's order, are the columns s0, s1, ….
	nset := 0
	set, err := setClause(u.Table, u.Values, func(v any) string {
		t, _ := elemType(v)
		nset++
		return col("s"+strconv.Itoa(nset-1), t)
	})
	if err != nil {
		return "", err
	}
	for i, r := range sortedReads(w.Reads) {
		rt, rpk, err := quoteTable(r.Table)
		if err != nil {
			return "", err
		}
		n := "r" + strconv.Itoa(i)
		conds = append(conds, "EXISTS (SELECT 1 FROM "+rt+" "+n+" WHERE "+
			rowAt(n+".", rpk, col(n+"id", "text"), col(n+"ver", "bigint"), createdCol(r, n+"cr", col))+")")
	}
	// The stay's columns after its instance (visitColumns' order).
	stay := []string{"ok.id"}
	for _, name := range []string{"vtable", "vflow", "vstageid", "vstage", "von", "vby", "vhow"} {
		stay = append(stay, col(name, "text"))
	}
	params := make([]string, len(cols))
	for i := range cols {
		params[i] = "$" + strconv.Itoa(i+1)
	}
	with, cond := d.OneShotFence("ok.stamp", "ok.gen")
	q := "WITH " + with + "\nok AS (SELECT * FROM " + d.Unnest(params, types, "ok", cols) + "\nWHERE " +
		strings.Join(append([]string{cond}, conds...), "\n AND ") + "),\n" +
		"u AS (UPDATE " + qt + " t SET " + set + " FROM ok WHERE " + where + " RETURNING t." + pk + " AS id),\n" +
		"e AS (INSERT INTO stagevisit (" + movedColumns + ")\nSELECT " +
		strings.Join(stay, ", ") + ", p.stagevisit_id, p.stage_name, p.entered_on, " + d.Millis("p.entered_on", "ok.von") +
		"\nFROM ok JOIN u ON u.id = ok.id LEFT JOIN LATERAL (SELECT p.stagevisit_id, p.stage_name, p.entered_on FROM " +
		openStay("ok.id") + ") p ON true)\nSELECT id FROM u"
	batchStatements.Store(key, q)
	return q, nil
}

// batchArgs are the arrays of a batch statement, in batchSQL's column
// order, the writes in order of instance id.
func batchArgs(ws []store.OneShot) []any {
	ws = slices.SortedFunc(slices.Values(ws), func(a, b store.OneShot) int { return strings.Compare(a.Update.ID, b.Update.ID) })
	reads := make([][]store.RowVersion, len(ws))
	for i, w := range ws {
		reads[i] = sortedReads(w.Reads)
	}
	var args []any
	column := func(f func(i int) any) {
		switch f(0).(type) {
		case string:
			args = append(args, arrayOf[string](len(ws), f))
		case int64:
			args = append(args, arrayOf[int64](len(ws), f))
		case float64:
			args = append(args, arrayOf[float64](len(ws), f))
		}
	}
	column(func(i int) any { return ws[i].AccessStamp })
	column(func(i int) any { return ws[i].Generation })
	column(func(i int) any { return ws[i].Update.ID })
	column(func(i int) any { return ws[i].Update.Version })
	if !ws[0].Update.Created.IsZero() {
		column(func(i int) any { return formatTime(ws[i].Update.Created) })
	}
	for _, name := range sortedKeys(ws[0].Update.Values) {
		column(func(i int) any { return sqlValue(ws[i].Update.Values[name]) })
	}
	for j, r := range reads[0] {
		column(func(i int) any { return reads[i][j].ID })
		column(func(i int) any { return reads[i][j].Version })
		if !r.Created.IsZero() {
			column(func(i int) any { return formatTime(reads[i][j].Created) })
		}
	}
	for k := 1; k < 8; k++ { // the stay's columns after its instance
		column(func(i int) any { return visitValues(*ws[i].Enter)[k] })
	}
	return args
}

func arrayOf[T any](n int, f func(i int) any) []T {
	a := make([]T, n)
	for i := range a {
		a[i] = f(i).(T)
	}
	return a
}
