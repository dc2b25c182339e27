package sqlstore

import (
	"fmt"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// The Web API's bearer tokens (migration 0004_api), kept as their SHA-256.

var _ store.TokenTx = (*tx)(nil)

const tokenCols = `token_id, user_name, token_sha256, label, created_on, created_by, revoked_on`

func scanToken(sc interface{ Scan(...any) error }) (store.Token, error) {
	var tk store.Token
	var created, revoked string
	err := sc.Scan(&tk.ID, &tk.User, &tk.Hash, &tk.Label, &created, &tk.CreatedBy, &revoked)
	tk.CreatedOn, tk.RevokedOn = parseTime(created), parseTime(revoked)
	return tk, err
}

func (t *tx) PutToken(tk store.Token) error {
	if tk.CreatedOn.IsZero() {
		tk.CreatedOn = t.now()
	}
	var n int
	if err := t.queryRow(`SELECT COUNT(*) FROM apitoken WHERE token_id = $1 OR token_sha256 = $2`, tk.ID, tk.Hash).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("token %s: %w", tk.ID, store.ErrExists)
	}
	_, err := t.exec(`INSERT INTO apitoken (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tk.ID, tk.User, tk.Hash, tk.Label, formatTime(tk.CreatedOn), tk.CreatedBy, formatTime(tk.RevokedOn))
	return err
}

func (t *tx) TokenByHash(hash string) (store.Token, error) {
	rows, err := t.queryC(`SELECT `+tokenCols+` FROM apitoken WHERE token_sha256 = $1`, hash)
	if err != nil {
		return store.Token{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return store.Token{}, err
		}
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	return scanToken(rows)
}

func (t *tx) Tokens(user string) ([]store.Token, error) {
	q := `SELECT ` + tokenCols + ` FROM apitoken`
	var args []any
	if user != "" {
		q += ` WHERE user_name = $1`
		args = append(args, user)
	}
	rows, err := t.query(q+` ORDER BY created_on, token_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		tk, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tk)
	}
	return out, rows.Err()
}

func (t *tx) RevokeToken(id string, on time.Time) error {
	if on.IsZero() {
		on = t.now()
	}
	res, err := t.exec(`UPDATE apitoken SET revoked_on = $2 WHERE token_id = $1 AND revoked_on = ''`, id, formatTime(on))
	if err != nil {
		return err
	}
	return affected(res, "valid token", id)
}
