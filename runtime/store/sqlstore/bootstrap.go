package sqlstore

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler/catalog"
	"github.com/bpfc/bpfc/runtime/store"
)

// Built-in roles every environment has.
var builtinRoles = []store.Role{
	{ID: "1e3a2b0c-5d1f-5b7a-9c4e-6f0a1b2c3d01", Name: "system_administrator", DisplayName: "System Administrator", Builtin: true, FullAccess: true},
	{ID: "1e3a2b0c-5d1f-5b7a-9c4e-6f0a1b2c3d02", Name: "system_customizer", DisplayName: "System Customizer", Builtin: true, FullAccess: true},
}

// AdminUser is the name of the administrator every new environment starts with.
const AdminUser = store.AdminUser

var catalogDigest = sync.OnceValue(func() string {
	b, err := json.Marshal(catalog.Tables())
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
})

// StandardTable converts a catalog table to store metadata.
func StandardTable(ct catalog.Table) store.Table {
	t := store.Table{Name: ct.Name, DisplayName: ct.DisplayName, EntitySetName: ct.EntitySetName,
		PrimaryKey: ct.PrimaryKey, PrimaryColumn: ct.PrimaryColumn, Kind: store.TableStandard}
	for _, cc := range ct.Columns {
		c := store.Column{Name: cc.Name, DisplayName: cc.DisplayName, Type: cc.Type, MaxLength: cc.MaxLength,
			Required: cc.Required, System: true}
		switch {
		case len(cc.Targets) > 0:
			c.Targets = append([]string(nil), cc.Targets...)
		case cc.Target != "":
			c.Targets = []string{cc.Target}
		}
		for _, o := range cc.Options {
			c.Options = append(c.Options, store.Option{Label: o.Label, Value: o.Value})
		}
		t.Columns = append(t.Columns, c)
	}
	return t
}

// bootstrap creates a new environment's organization row, built-in roles,
// standard tables and administrator, and adds standard tables and columns
// that a newer catalog has to an older environment. from is the schema
// version the store was at before migrate: 0 for a new environment, the
// only one that may lack its organization row.
func bootstrap(tx *tx, name string, from int) error {
	var have string
	err := tx.queryRow(`SELECT name FROM organization`).Scan(&have)
	isNew := errors.Is(err, sql.ErrNoRows)
	if err != nil && !isNew {
		return err
	}
	if isNew && from > 0 {
		return noOrganization(from)
	}
	if isNew {
		if _, err := tx.exec(`INSERT INTO organization (name, created_on, catalog_digest) VALUES ($1, $2, '')`, name, tx.stamp()); err != nil {
			return err
		}
		for _, r := range builtinRoles {
			if err := tx.PutRole(r); err != nil {
				return err
			}
		}
	}
	for _, ct := range catalog.Tables() {
		want := StandardTable(ct)
		got, err := tx.Table(ct.Name)
		if errors.Is(err, store.ErrNotFound) {
			if err := tx.CreateTable(want); err != nil {
				return fmt.Errorf("creating standard table %s: %w", ct.Name, err)
			}
			continue
		}
		if err != nil {
			return err
		}
		for _, c := range want.Columns {
			if _, ok := got.Column(c.Name); !ok {
				if err := tx.AddColumn(ct.Name, c); err != nil {
					return fmt.Errorf("adding standard column %s.%s: %w", ct.Name, c.Name, err)
				}
			}
		}
	}
	if _, err := tx.exec(`CREATE UNIQUE INDEX IF NOT EXISTS systemuser_domainname ON systemuser (domainname)`); err != nil {
		return err
	}
	if err := tx.addFoldColumn(); err != nil {
		return err
	}
	if isNew {
		admin := store.User{ID: uuid.NewString(), Name: AdminUser, FullName: "System Administrator",
			Email: "admin@localhost", Roles: []string{"system_administrator"}}
		if err := tx.PutUser(admin); err != nil {
			return fmt.Errorf("creating the administrator: %w", err)
		}
	}
	_, err = tx.exec(`UPDATE organization SET catalog_digest = $1`, catalogDigest())
	return err
}
