package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/webapi"
)

// runtimeOptions are the flags every run-time command takes.
type runtimeOptions struct {
	env    string
	as     string
	asFlag *pflag.Flag // --as, to know whether it was given
	// project is the project openEnv loaded: what a hint reads the
	// environment's tables from (a lookup's tables).
	project *compiler.Project
}

func (o *runtimeOptions) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.env, "env", "", "the environment (required)")
	cmd.Flags().StringVar(&o.as, "as", sqlstore.AdminUser, "act as `USER`, with that user's roles (a remote environment: its token's user)")
	o.asFlag = cmd.Flags().Lookup("as")
}

// localFlags adds the flags of a command that works on local environments
// only (users, tokens, running the queue): --as has no remote meaning there.
func (o *runtimeOptions) localFlags(cmd *cobra.Command) {
	o.flags(cmd)
	o.asFlag.Usage = "act as `USER`, with that user's roles"
}

// openSession opens environment --env of the project (which must have been
// deployed to) with the run-time engine, acting as --as. The returned
// function closes it. It is for the commands that work on local
// environments only (users, tokens); a remote one is refused with
// environ's message.
func openSession(g *globals, o *runtimeOptions, command string) (*engine.Session, func(), error) {
	rt, err := openRuntime(g, o, command)
	if err != nil {
		return nil, nil, err
	}
	return rt.engine.As(o.as), rt.close, nil
}

// openEnv opens environment --env for a run-time command: a local one with
// the engine acting as --as (openRuntime); a remote one (url = "http://…")
// as a client of its server's Web API acting as the user of its token
// (BPFC_TOKEN_<ENV> or BPFC_TOKEN). The returned function closes it.
func openEnv(g *globals, o *runtimeOptions, command string) (runtimeSession, func(), error) {
	if o.env == "" {
		return nil, nil, envRequired(g, command)
	}
	p, ok := loadForRuntime(g, o.env)
	if !ok {
		return nil, nil, failed()
	}
	o.project = p
	if env := p.Environment(o.env); env != nil && env.URL != "" {
		c, err := remoteClient(env, o)
		if err != nil {
			return nil, nil, err
		}
		return c, func() {}, nil
	}
	rt, err := openProject(g, p, o)
	if err != nil {
		return nil, nil, err
	}
	return localSession{Session: rt.engine.As(o.as), store: rt.store, runner: rt.runner}, rt.close, nil
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
	// A remote environment's server says what its engine said: the message
	// the local command gives.
	var ae *webapi.APIError
	if errors.As(err, &ae) && ae.UserFacing() {
		d := &errorDetail{Code: errorCode(err), Message: ae.Message, Rule: ae.Rule, Stage: ae.Stage, Steps: ae.Steps,
			Table: ae.Table, Record: ae.Record, Missing: ae.Missing}
		if ae.Rule != "" {
			d.Code = "Refused"
		}
		return &exitError{code: 1, msg: ae.Message, detail: d, cause: err}
	}
	d := &errorDetail{Code: errorCode(err), Message: err.Error()}
	var re *engine.ErrRefused
	if errors.As(err, &re) {
		d.Code, d.Rule, d.Stage, d.Steps = "Refused", re.Rule, re.Stage, re.Steps
		d.Table, d.Record, d.Missing = re.Table, re.Record, re.Missing
	}
	return &exitError{code: 1, msg: err.Error(), detail: d, cause: err}
}

// noRoleRe finds the user of the engine's no-role refusal in a message:
// the local engine's, the report's or a remote server's, which all say it
// in NoRoleReason's words.
var noRoleRe = regexp.MustCompile(`user ("(?:[^"\\]|\\.)*") has no security role`)

// envNoRole words the commands of a no-role refusal, which the engine
// writes for any client (--env E), with the environment the command ran
// against and its -C, quoted for a shell, as the fill hint is: pasted, they
// run. A remote environment's users are set where its server runs, which
// a token holder cannot do from here: the refusal says whom to ask, and
// the commands as they run on that server, whose name for the environment
// this project need not share (as remoteToken's hint).
func envNoRole(g *globals, env, msg string) string {
	m := noRoleRe.FindStringSubmatch(msg)
	if env == "" || m == nil {
		return msg
	}
	user, err := strconv.Unquote(m[1])
	if err != nil {
		return msg
	}
	reason := engine.NoRoleReasonIn(shellQuote(user), "bpfc"+dirFlag(g), shellQuote(env))
	if envIsRemote(g, env) {
		reason = "has no security role (ask an administrator of environment " + env + "'s server to run there: bpfc user set " + shellQuote(user) +
			" --role ROLE --env E, E the environment's name on that server; bpfc user list --env E there shows the roles others have)"
	}
	return strings.Replace(msg, engine.NoRoleReason(user), reason, 1)
}

// envIsRemote reports whether the project at -C names env as remote
// (url = …). It loads the project again: only a refusal's wording asks.
func envIsRemote(g *globals, env string) bool {
	p, _, _ := projectEnvironments(g)
	if p == nil {
		return false
	}
	e := p.Environment(env)
	return e != nil && e.URL != ""
}

// errorCode names a run-time failure as the Web API's error codes do.
func errorCode(err error) string {
	switch {
	case errors.Is(err, engine.ErrForbidden):
		return "Forbidden"
	case errors.Is(err, engine.ErrNotFound), errors.Is(err, environ.ErrUnknownEnvironment):
		return "NotFound"
	case errors.Is(err, engine.ErrConflict):
		return "Conflict"
	case errors.Is(err, engine.ErrInvalid):
		return "BadRequest"
	}
	return "Failed"
}

// ifVersionArg refuses an --if-version that is no row version: 0 would
// switch the check off (the engine's "no condition") and a negative one
// read as a conflict.
func ifVersionArg(cmd *cobra.Command, command string, v int64) error {
	if cmd.Flags().Changed("if-version") && v < 1 {
		return usageErr("%s: --if-version %d is not a row version: they start at 1 (show prints the current one)", command, v)
	}
	return nil
}

// limitArg refuses a negative --limit (0 is all).
func limitArg(command string, n int) error {
	if n < 0 {
		return usageErr("%s: --limit %d: give how many at most, 1 or more (0, the default, is all)", command, n)
	}
	return nil
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
	id, err := idArg(command, "--record "+ref+":", id)
	return table, id, err
}

// idArg is an id given on the command line as the store keeps it (a GUID
// in lower case, as Dataverse takes any case and {braces}); what is not a
// GUID is refused, naming where it was given (it could name no row).
func idArg(command, where, id string) (string, error) {
	if !engine.IsID(id) {
		// A malformed argument, as any other: a usage error (2).
		return "", usageErr("%s: %s %q is not an id (a GUID such as 3f2c5b1e-…); bpfc record list and bpfc instance list show ids", command, where, id)
	}
	return engine.CanonicalID(id), nil
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
