package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// runtimeOptions are the flags every run-time command takes.
type runtimeOptions struct {
	env string
	as  string
}

func (o *runtimeOptions) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.env, "env", "", "the environment (required)")
	cmd.Flags().StringVar(&o.as, "as", sqlstore.AdminUser, "act as `USER`, with that user's roles")
}

// openSession opens environment --env of the project (which must have been
// deployed to) with the run-time engine, acting as --as. The returned
// function closes it.
func openSession(g *globals, o *runtimeOptions, command string) (*engine.Session, func(), error) {
	if o.env == "" {
		return nil, nil, usageErr("%s: --env is required", command)
	}
	p, ok := loadForDeploy(g)
	if !ok {
		return nil, nil, failed()
	}
	s, loc, err := environ.Open(context.Background(), p, o.env, environ.Options{MustExist: true})
	if errors.Is(err, environ.ErrNotCreated) {
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("environment %s (%s) has nothing deployed yet: run bpfc deploy --env %s first",
			o.env, loc.Display, o.env)}
	}
	if err != nil {
		return nil, nil, envError(err)
	}
	e, _ := newRuntime(s, secret.NewKeyring(p.Dir, os.Getenv)) // workflows run in its transitions
	return e.As(o.as), func() { s.Close() }, nil
}

// runtimeErr reports an engine error: every refusal, forbidden operation,
// conflict, bad value or unknown name is a user-facing failure (exit 1).
func runtimeErr(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: 1, msg: err.Error()}
}

// parseSets reads --set col=val flags.
func parseSets(command string, sets []string) (engine.Values, error) {
	vals := engine.Values{}
	for _, s := range sets {
		col, val, ok := strings.Cut(s, "=")
		col = strings.TrimSpace(col)
		if !ok || col == "" {
			return nil, usageErr("%s: --set %q: write COLUMN=VALUE (an empty VALUE empties the column)", command, s)
		}
		if _, dup := vals[col]; dup {
			return nil, usageErr("%s: --set %s is given twice", command, col)
		}
		vals[col] = val
	}
	return vals, nil
}

// parseRecordRef reads TABLE:ID.
func parseRecordRef(command, ref string) (string, string, error) {
	table, id, ok := strings.Cut(ref, ":")
	if !ok || table == "" || id == "" {
		return "", "", usageErr("%s: --record %q: write TABLE:ID, e.g. lead:3f2c…", command, ref)
	}
	return table, id, nil
}

// formatValue is a column value as text output shows it.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		return x.UTC().Format(time.DateTime)
	}
	return fmt.Sprint(v)
}
