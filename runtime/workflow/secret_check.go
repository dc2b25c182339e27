package workflow

import (
	"context"
	"errors"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// UnopenedSecret is a secret variable of an environment whose sealed value
// a keyring cannot open.
type UnopenedSecret struct {
	Name       string // the variable's name in the project (var.NAME)
	SchemaName string
	Reason     string // the keyring's error: a wrong key, no key file, …
}

// UnopenedSecrets lists the secret variables of the environment in s whose
// value kr cannot open, by schema name. A server started with another key
// than the deploy that sealed them reads them as no value and its first
// webhook job fails: checking at start says so before any job runs.
func UnopenedSecrets(ctx context.Context, s store.Store, kr *secret.Keyring) ([]UnopenedSecret, error) {
	m, err := s.Meta(ctx)
	if err != nil {
		return nil, err
	}
	var out []UnopenedSecret
	err = s.Read(ctx, func(tx store.Tx) error {
		out = nil
		defs, err := tx.VariableDefinitions()
		if err != nil {
			return err
		}
		for _, d := range defs {
			if d.Type != compiler.VarSecret {
				continue
			}
			v, err := tx.VariableValue(d.SchemaName)
			if errors.Is(err, store.ErrNotFound) || err == nil && len(v.Sealed) == 0 {
				continue // no value set: nothing to open
			}
			if err != nil {
				return err
			}
			// The value is sealed for its place (deploy's sealContext).
			if _, err := kr.Open(v.Sealed, m.Name+"/"+d.SchemaName); err != nil {
				out = append(out, UnopenedSecret{Name: d.Name, SchemaName: d.SchemaName, Reason: err.Error()})
			}
		}
		return nil
	})
	return out, err
}
