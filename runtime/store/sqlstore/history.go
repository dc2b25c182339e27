package sqlstore

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Archives.

func (t *tx) PutArchive(a store.Archive) error {
	if a.ImportedOn.IsZero() {
		a.ImportedOn = t.now()
	}
	data := a.Data
	if data == nil {
		data = []byte{}
	}
	_, err := t.exec(`INSERT INTO importarchive (sha256, name, managed, data, imported_on) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (sha256) DO NOTHING`, a.SHA256, a.Name, b2i(a.Managed), data, formatTime(a.ImportedOn))
	return err
}

func (t *tx) Archive(sha string) (store.Archive, error) {
	a := store.Archive{SHA256: sha}
	var managed int
	var imported string
	err := t.queryRow(`SELECT name, managed, data, imported_on FROM importarchive WHERE sha256 = $1`, sha).
		Scan(&a.Name, &managed, &a.Data, &imported)
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("archive", sha)
	}
	a.Managed, a.ImportedOn = managed != 0, parseTime(imported)
	return a, err
}

// Snapshots.

func (t *tx) PutSnapshot(s store.Snapshot) error {
	if s.CreatedOn.IsZero() {
		s.CreatedOn = t.now()
	}
	_, err := t.exec(`INSERT INTO modelsnapshot (digest, solution, version, model, unmanaged_sha256, managed_sha256, created_on)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (digest) DO UPDATE SET
	unmanaged_sha256 = CASE WHEN excluded.unmanaged_sha256 <> '' THEN excluded.unmanaged_sha256 ELSE modelsnapshot.unmanaged_sha256 END,
	managed_sha256 = CASE WHEN excluded.managed_sha256 <> '' THEN excluded.managed_sha256 ELSE modelsnapshot.managed_sha256 END`,
		s.Digest, s.Solution, s.Version, s.Model, s.UnmanagedSHA256, s.ManagedSHA256, formatTime(s.CreatedOn))
	return err
}

func (t *tx) Snapshot(digest string) (store.Snapshot, error) {
	s := store.Snapshot{Digest: digest}
	var created string
	err := t.queryRow(`SELECT solution, version, model, unmanaged_sha256, managed_sha256, created_on FROM modelsnapshot WHERE digest = $1`, digest).
		Scan(&s.Solution, &s.Version, &s.Model, &s.UnmanagedSHA256, &s.ManagedSHA256, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return s, notFound("snapshot", digest)
	}
	s.CreatedOn = parseTime(created)
	return s, err
}

// The import history.

func (t *tx) AddImport(r store.ImportRecord) (int64, error) {
	var id int64
	err := t.write1(`INSERT INTO importjob (operation, solution, version, managed, mode, who, started_on, duration_ms,
	archive_sha256, build_digest, result, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING importjob_id`,
		[]any{r.Operation, r.Solution, r.Version, b2i(r.Managed), r.Mode, r.Who, formatTime(r.StartedOn), r.Duration.Milliseconds(),
			r.ArchiveSHA256, r.BuildDigest, r.Result, r.Message}, &id)
	return id, err
}

func (t *tx) RewriteImports(containing string, rewrite func(string) string) error {
	if containing == "" {
		return nil
	}
	if !t.write {
		return errReadOnly
	}
	// replace() finds the text in both dialects, where LIKE would read
	// the text's % and _ as patterns.
	rows, err := t.query(`SELECT importjob_id, message FROM importjob WHERE replace(message, $1, '') <> message ORDER BY importjob_id`, containing)
	if err != nil {
		return err
	}
	found := map[int64]string{}
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return err
		}
		found[id] = m
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, m := range found {
		if n := rewrite(m); n != m {
			if _, err := t.exec(`UPDATE importjob SET message = $1 WHERE importjob_id = $2`, n, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// write1 runs a writing statement that returns one row.
func (t *tx) write1(q string, args []any, dest ...any) error {
	if !t.write {
		return errReadOnly
	}
	t.ran()
	return t.tx.QueryRowContext(t.ctx, q, args...).Scan(dest...)
}

func (t *tx) Imports(f store.ImportFilter) ([]store.ImportRecord, error) {
	q := `SELECT importjob_id, operation, solution, version, managed, mode, who, started_on, duration_ms, archive_sha256,
	build_digest, result, message FROM importjob`
	var args []any
	var conds []string
	if f.ID != 0 {
		args = append(args, f.ID)
		conds = append(conds, `importjob_id = $`+strconv.Itoa(len(args)))
	}
	if f.Solution != "" {
		args = append(args, f.Solution)
		conds = append(conds, `solution = $`+strconv.Itoa(len(args)))
	}
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += ` ORDER BY importjob_id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ImportRecord
	for rows.Next() {
		var r store.ImportRecord
		var managed int
		var started string
		var ms int64
		if err := rows.Scan(&r.ID, &r.Operation, &r.Solution, &r.Version, &managed, &r.Mode, &r.Who, &started, &ms,
			&r.ArchiveSHA256, &r.BuildDigest, &r.Result, &r.Message); err != nil {
			return nil, err
		}
		r.Managed, r.StartedOn, r.Duration = managed != 0, parseTime(started), time.Duration(ms)*time.Millisecond
		out = append(out, r)
	}
	return out, rows.Err()
}
