package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// tx implements store.Tx.
type tx struct {
	ctx   context.Context
	tx    TxConn
	db    *sql.DB
	cache *stmtCache
	d     Dialect
	now   func() time.Time
	write bool
	stmts map[string]*sql.Stmt // prepared statements of hot paths, closed with the transaction
	// accessStamp and importGen are what the transaction's snapshot has
	// (stamp 0: unknown), access the store's cache of users' access.
	accessStamp int64
	importGen   int64
	access      *accessCache
	exit        *heldExit // CloseStageVisit's, until written (visits.go)
	counts      *counts   // the store's, which every statement adds to
}

var _ store.Tx = (*tx)(nil)

var errReadOnly = errors.New("write in a read-only transaction")

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	if !t.write {
		return nil, errReadOnly
	}
	t.ran()
	return t.tx.ExecContext(t.ctx, q, args...)
}

// execP runs a writing statement through a statement prepared once per
// transaction: for statements run once per row of a large import.
func (t *tx) execP(q string, args ...any) (sql.Result, error) {
	if !t.write {
		return nil, errReadOnly
	}
	st, ok := t.stmts[q]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(t.ctx, q); err != nil {
			return nil, err
		}
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[q] = st
	}
	t.ran()
	return st.ExecContext(t.ctx, args...)
}

// execLater runs a writing statement whose result nobody reads: a
// Pipeline holds it to send with the next statement; otherwise it runs now.
func (t *tx) execLater(q string, args ...any) error {
	if !t.write {
		return errReadOnly
	}
	if p, ok := t.tx.(Pipeline); ok {
		t.ran()
		p.ExecLater(q, args...)
		return nil
	}
	_, err := t.execC(q, args...)
	return err
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	t.ran()
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *tx) queryRow(q string, args ...any) *sql.Row {
	t.ran()
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

// stamp is the current time as stored: RFC 3339 with nanoseconds, UTC.
func (t *tx) stamp() string { return formatTime(t.now()) }

func formatTime(tm time.Time) string {
	if tm.IsZero() {
		return ""
	}
	return tm.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return tm
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// notFound wraps store.ErrNotFound for a missing object.
func notFound(what, name string) error {
	return fmt.Errorf("%s %q: %w", what, name, store.ErrNotFound)
}

// quote quotes an identifier after checking it is a plain lowercase name,
// [a-z_][a-z0-9_]{0,127}: what bpfc accepts as a table or column name in
// generated SQL.
func quote(name string) (string, error) {
	ok := len(name) > 0 && len(name) <= 128 && (name[0] == '_' || name[0] >= 'a' && name[0] <= 'z')
	for i := 1; ok && i < len(name); i++ {
		c := name[i]
		ok = c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if !ok {
		return "", fmt.Errorf("invalid SQL name %q", name)
	}
	return `"` + name + `"`, nil
}

// exists wraps an error that says a statement would have duplicated a key
// as store.ErrExists, keeping the database's message: two shared writes
// that insert the same key, where the later one cannot see the earlier
// one's row before it inserts.
func (t *tx) exists(err error) error {
	if err != nil && t.d.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %w", store.ErrExists, err)
	}
	return err
}

// affected returns ErrNotFound when a statement touched no row.
func affected(res sql.Result, what, name string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(what, name)
	}
	return nil
}

// Publishers.

func (t *tx) PutPublisher(p store.Publisher) error {
	_, err := t.exec(`INSERT INTO publisher (name, display_name, prefix, option_value_prefix) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, prefix = excluded.prefix, option_value_prefix = excluded.option_value_prefix`,
		p.Name, p.DisplayName, p.Prefix, p.OptionValuePrefix)
	return err
}

func (t *tx) Publisher(name string) (store.Publisher, error) {
	p := store.Publisher{Name: name}
	err := t.queryRow(`SELECT display_name, prefix, option_value_prefix FROM publisher WHERE name = $1`, name).
		Scan(&p.DisplayName, &p.Prefix, &p.OptionValuePrefix)
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("publisher", name)
	}
	return p, err
}

// Solutions.

const solutionCols = `name, display_name, version, managed, publisher, state, upgrade_of, build_digest, archive_sha256, installed_on, modified_on`

func scanSolution(sc interface{ Scan(...any) error }) (store.Solution, error) {
	var s store.Solution
	var managed int
	var installed, modified string
	err := sc.Scan(&s.Name, &s.DisplayName, &s.Version, &managed, &s.Publisher, &s.State, &s.UpgradeOf,
		&s.BuildDigest, &s.ArchiveSHA256, &installed, &modified)
	s.Managed = managed != 0
	s.InstalledOn, s.ModifiedOn = parseTime(installed), parseTime(modified)
	return s, err
}

func (t *tx) Solutions() ([]store.Solution, error) {
	rows, err := t.queryC(`SELECT ` + solutionCols + ` FROM solution ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Solution
	for rows.Next() {
		s, err := scanSolution(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (t *tx) Solution(name string) (store.Solution, error) {
	s, err := scanSolution(t.queryRow(`SELECT `+solutionCols+` FROM solution WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return s, notFound("solution", name)
	}
	return s, err
}

func (t *tx) PutSolution(s store.Solution) error {
	if s.State == "" {
		s.State = store.StateInstalled
	}
	now := t.now()
	if s.InstalledOn.IsZero() {
		s.InstalledOn = now
	}
	if s.ModifiedOn.IsZero() {
		s.ModifiedOn = now
	}
	_, err := t.exec(`INSERT INTO solution (`+solutionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, version = excluded.version, managed = excluded.managed,
	publisher = excluded.publisher, state = excluded.state, upgrade_of = excluded.upgrade_of, build_digest = excluded.build_digest,
	archive_sha256 = excluded.archive_sha256, installed_on = excluded.installed_on, modified_on = excluded.modified_on`,
		s.Name, s.DisplayName, s.Version, b2i(s.Managed), s.Publisher, s.State, s.UpgradeOf, s.BuildDigest, s.ArchiveSHA256,
		formatTime(s.InstalledOn), formatTime(s.ModifiedOn))
	return err
}

func (t *tx) DeleteSolution(name string) error {
	if _, err := t.exec(`DELETE FROM solutioncomponent WHERE solution = $1`, name); err != nil {
		return err
	}
	// A holding solution's kept values go with it (applied or cancelled).
	if _, err := t.exec(`DELETE FROM stagedvariablevalue WHERE holding = $1`, name); err != nil {
		return err
	}
	res, err := t.exec(`DELETE FROM solution WHERE name = $1`, name)
	if err != nil {
		return err
	}
	return affected(res, "solution", name)
}

func (t *tx) RenameSolution(old, new string) error {
	s, err := t.Solution(old)
	if err != nil {
		return err
	}
	cs, err := t.Components(old)
	if err != nil {
		return err
	}
	if err := t.DeleteSolution(old); err != nil {
		return err
	}
	s.Name = new
	if _, err := t.Solution(new); err == nil {
		return fmt.Errorf("solution %q: %w", new, store.ErrExists)
	}
	if err := t.PutSolution(s); err != nil {
		return err
	}
	return t.SetComponents(new, cs)
}

func (t *tx) Components(solution string) ([]store.Component, error) {
	rows, err := t.query(`SELECT kind, name, object_id FROM solutioncomponent WHERE solution = $1 ORDER BY kind, name`, solution)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Component
	for rows.Next() {
		var c store.Component
		if err := rows.Scan(&c.Kind, &c.Name, &c.ObjectID); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (t *tx) SetComponents(solution string, cs []store.Component) error {
	if _, err := t.Solution(solution); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM solutioncomponent WHERE solution = $1`, solution); err != nil {
		return err
	}
	for _, c := range cs {
		if _, err := t.execP(`INSERT INTO solutioncomponent (solution, kind, name, object_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (solution, kind, name) DO UPDATE SET object_id = excluded.object_id`, solution, c.Kind, c.Name, c.ObjectID); err != nil {
			return err
		}
	}
	return nil
}
