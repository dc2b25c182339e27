package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/bpfc/bpfc/runtime/store"
)

// OneShotDialect is a SharedDialect whose database applies a run-time write
// in one statement of its own (store.OneShotWriter): several changes in
// one statement, each conditional on the others (data-modifying WITH).
type OneShotDialect interface {
	SharedDialect
	// OneShotFence keeps exclusive writers out of the statement: WITH items
	// (each ending in ",") that lock the environment as a shared write
	// transaction does, and a condition that holds only when no exclusive
	// writer committed, holds or waits for the environment since the
	// statement's snapshot, the access stamp is the SQL expression stamp
	// and the import generation the expression generation. While an
	// exclusive writer holds it, the statement fails at once with an error
	// for which IsBusy holds.
	OneShotFence(stamp, generation string) (with, cond string)
}

var _ store.OneShotWriter = (*DB)(nil)

// CanWriteOnce: where the dialect can.
func (s *DB) CanWriteOnce() bool {
	_, ok := s.d.(OneShotDialect)
	return ok
}

// CachedAccess is the access the store read last for user, under the
// latest access stamp and import generation it saw in a shared write.
func (s *DB) CachedAccess(user string) (store.Access, int64, bool) {
	if !s.CanWriteOnce() {
		return store.Access{}, 0, false
	}
	return s.access.latest(user)
}

// WriteOnce applies w in one statement: the environment's fence, the
// checks of the rows read, the conditional update, and the stage log's
// writes only if the update wrote. Nothing is held between statements, so
// a one-shot write costs the database one statement and one commit — or a
// share of one: a move that comes while another statement is in flight
// queues, and the next statement applies the queued moves together
// (oneshotbatch.go).
func (s *DB) WriteOnce(ctx context.Context, w store.OneShot) (bool, error) {
	if _, ok := s.d.(OneShotBatchDialect); ok {
		if shape, ok := batchShape(w); ok {
			return s.queueOneShot(ctx, w, shape)
		}
	}
	return s.writeOne(ctx, w, "")
}

// writeOne applies w in a statement of its own; shape is w's batchShape,
// or "" when it has none.
func (s *DB) writeOne(ctx context.Context, w store.OneShot, shape string) (bool, error) {
	d, ok := s.d.(OneShotDialect)
	if !ok {
		return false, nil
	}
	q, args, err := oneShotStatement(d, w, shape)
	if err != nil {
		return false, err
	}
	st, err := s.cache.get(ctx, s.db, q)
	if err != nil {
		return false, err
	}
	var n int64
	s.counts.statements.Add(1)
	if st != nil {
		err = st.QueryRowContext(ctx, args...).Scan(&n)
	} else {
		err = s.db.QueryRowContext(ctx, q, args...).Scan(&n)
	}
	switch {
	case err != nil && (d.IsBusy(err) || d.IsRetryable(err)):
		// An exclusive writer holds the environment, or a concurrent
		// change won the row: nothing was written.
		return false, nil
	case err != nil:
		return false, fmt.Errorf("one-shot write of %s %s: %w", w.Update.Table.Name, w.Update.ID, err)
	}
	return n == 1, nil
}

// moveStatements are the statements of single moves built, by dialect and
// shape (statementKey): a move's statement depends on its shape only, so
// the text is built once and each move binds its own arguments (moveArgs).
var moveStatements sync.Map

// statementKey is the key of a statement built for a shape of one-shot
// write: the dialect's name and the shape.
type statementKey struct{ dialect, shape string }

// oneShotStatement is oneShotSQL, for a move of a shape seen before from
// moveStatements.
func oneShotStatement(d OneShotDialect, w store.OneShot, shape string) (string, []any, error) {
	if shape == "" {
		return oneShotSQL(d, w)
	}
	key := statementKey{d.Name(), shape}
	if q, ok := moveStatements.Load(key); ok {
		return q.(string), moveArgs(w), nil
	}
	q, args, err := oneShotSQL(d, w)
	// Kept only where moveArgs gives the arguments the text was built
	// with, in its order.
	if err == nil && reflect.DeepEqual(args, moveArgs(w)) {
		moveStatements.Store(key, q)
	}
	return q, args, err
}

// moveArgs are the arguments of a move's one-shot statement, in
// oneShotSQL's order: the fence's, each row read (by table and id) at its
// version, the values set (by column), the instance at its version, and
// the stay it begins.
func moveArgs(w store.OneShot) []any {
	args := []any{w.AccessStamp, w.Generation}
	arg := func(v any) string {
		args = append(args, v)
		return ""
	}
	// A row at its version, as rowAt checks it: created asks for its
	// creation time as the builder does.
	at := func(r store.RowVersion) { arg(r.ID); arg(r.Version); created(r, arg) }
	for _, r := range sortedReads(w.Reads) {
		at(r)
	}
	for _, name := range sortedKeys(w.Update.Values) {
		arg(sqlValue(w.Update.Values[name]))
	}
	at(w.Update.RowVersion)
	return append(args, visitValues(*w.Enter)...)
}

// oneShotSQL is the statement of a one-shot write and its arguments.
func oneShotSQL(d OneShotDialect, w store.OneShot) (string, []any, error) {
	if w.Update.Version < 0 {
		return "", nil, errors.New("a one-shot write needs the row version it updates")
	}
	args := []any{w.AccessStamp, w.Generation}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	with, cond := d.OneShotFence("$1", "$2")
	conds := []string{cond}
	// In a fixed order, so that a move's text depends on its shape only.
	for _, r := range sortedReads(w.Reads) {
		qt, pk, err := quoteTable(r.Table)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM "+qt+" WHERE "+rowAt("", pk, arg(r.ID), arg(r.Version), created(r, arg))+")")
	}
	u := w.Update
	qt, pk, err := quoteTable(u.Table)
	if err != nil {
		return "", nil, err
	}
	set, err := setClause(u.Table, u.Values, arg)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString("WITH " + with + "\nok AS (SELECT 1 WHERE " + strings.Join(conds, "\n AND ") + "),\n")
	b.WriteString("u AS (UPDATE " + qt + " SET " + set + " WHERE " + rowAt("", pk, arg(u.ID), arg(u.Version), created(u.RowVersion, arg)) +
		" AND EXISTS (SELECT 1 FROM ok) RETURNING 1)")
	x, v := w.Leave, w.Enter
	if x != nil && v != nil && !oneMove(x, v) {
		return "", nil, errors.New("a one-shot write's exit and entry must be one move of one instance")
	}
	// Only with the update. The open stay is not locked: the update
	// serializes the moves of the instance.
	const withU = "EXISTS (SELECT 1 FROM u)"
	switch {
	case v != nil:
		var vals []string
		for _, a := range visitValues(*v) {
			vals = append(vals, arg(a))
		}
		if x != nil {
			b.WriteString(",\ne AS (" + moveSQL(d, vals, " WHERE "+withU) + ")")
		} else {
			b.WriteString(",\ne AS (INSERT INTO stagevisit (" + visitColumns + ") SELECT " + strings.Join(vals, ", ") + " WHERE " + withU + ")")
		}
	case x != nil:
		b.WriteString(",\nx AS (" + exitSQL(arg(x.InstanceID), arg(formatTime(x.Left)), arg(x.By), arg(x.How), " AND "+withU) + ")")
	}
	b.WriteString("\nSELECT COUNT(*) FROM u")
	return b.String(), args, nil
}

// created is the argument for a row's createdon that RowVersion.Created
// asks for, or "" for none.
func created(r store.RowVersion, arg func(any) string) string {
	if r.Created.IsZero() {
		return ""
	}
	return arg(formatTime(r.Created))
}

// rowAt is the condition that a row (its columns qualified by prefix, ""
// or "t.") is the one with primary key pk = id at version ver and, unless
// cr is "", created at cr: the check of every row a one-shot write was
// decided on.
func rowAt(prefix, pk, id, ver, cr string) string {
	rv, _ := quote(store.RowVersionColumn)
	c := prefix + pk + " = " + id + " AND " + prefix + rv + " = " + ver
	if cr != "" {
		c += " AND " + prefix + "createdon = " + cr
	}
	return c
}

// oneMove says whether an exit and an entry are one move: the same
// instance, time, user and way.
func oneMove(x *store.StageExit, v *store.StageVisit) bool {
	return x.InstanceID == v.InstanceID && x.Left.Equal(v.EnteredOn) && x.By == v.EnteredBy && x.How == v.EnteredHow
}
