package sqlstore

import (
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

// Users' names are unique regardless of case, as strings.EqualFold
// compares them (engine.AddUser). systemuser keeps store.FoldName of each
// name in a column of its own, not in the catalog's columns (no query or
// page sees it), indexed, so that a new name is checked by one look-up
// where it read every user's. The key is Go's: neither database's lower()
// folds as EqualFold does, and an index on a function of bpfc's own would
// leave the file to no other program.

// systemuser is made by bootstrap, after the migrations, so bootstrap adds
// the column too (addFoldColumn): migration 0013 makes an environment of an
// earlier version bootstrap again, which adds it and fills it.
const (
	foldColumn = "domainname_fold"
	foldIndex  = "systemuser_fold"
)

// addFoldColumn adds foldColumn and its index to systemuser, where they
// are not yet, and fills it for the users without it.
func (t *tx) addFoldColumn() error {
	switch t.d.Name() {
	case "postgres":
		if _, err := t.exec(`ALTER TABLE systemuser ADD COLUMN IF NOT EXISTS ` + foldColumn + ` TEXT`); err != nil {
			return fmt.Errorf("adding systemuser.%s: %w", foldColumn, err)
		}
	default:
		var n int
		if err := t.queryRow(`SELECT COUNT(*) FROM pragma_table_info('systemuser') WHERE name = $1`, foldColumn).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := t.exec(`ALTER TABLE systemuser ADD COLUMN ` + foldColumn + ` TEXT`); err != nil {
				return fmt.Errorf("adding systemuser.%s: %w", foldColumn, err)
			}
		}
	}
	if _, err := t.exec(`CREATE INDEX IF NOT EXISTS ` + foldIndex + ` ON systemuser (` + foldColumn + `)`); err != nil {
		return fmt.Errorf("indexing systemuser.%s: %w", foldColumn, err)
	}
	return t.fillFoldColumn()
}

// fillFoldColumn writes foldColumn for the users without it.
func (t *tx) fillFoldColumn() error {
	rows, err := t.query(`SELECT systemuserid, domainname FROM systemuser WHERE ` + foldColumn + ` IS NULL AND domainname IS NOT NULL`)
	if err != nil {
		return err
	}
	var ids, names []string
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		ids, names = append(ids, id), append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, id := range ids {
		if _, err := t.exec(`UPDATE systemuser SET `+foldColumn+` = $1 WHERE systemuserid = $2`, store.FoldName(names[i]), id); err != nil {
			return err
		}
	}
	return nil
}

// UsersFolded reads the users whose folded name is name's, and those
// without one (written by something other than PutUser), and keeps those
// that strings.EqualFold takes for name.
func (t *tx) UsersFolded(name string) ([]store.User, error) {
	rows, err := t.query(`SELECT systemuserid, COALESCE(domainname, '') FROM systemuser WHERE `+foldColumn+` = $1 OR `+foldColumn+` IS NULL
ORDER BY domainname`, store.FoldName(name))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		var u store.User
		if err := rows.Scan(&u.ID, &u.Name); err != nil {
			return nil, err
		}
		if strings.EqualFold(u.Name, name) {
			out = append(out, u)
		}
	}
	return out, rows.Err()
}
