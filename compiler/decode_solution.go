package compiler

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var (
	versionRe  = regexp.MustCompile(`^(\d{1,9})\.(\d{1,9})\.(\d{1,9})\.(\d{1,9})$`)
	prefixRe   = regexp.MustCompile(`^[a-z][a-z0-9]{1,7}$`)
	solNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	envNameRe  = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	durationRe = regexp.MustCompile(`^(\d+(\.\d+)?(d|h|m|s))+$`)
)

// solutionNameHint suggests a unique name for a solution written like its
// display name, as Dataverse derives one: "Contoso Sales" → "ContosoSales";
// as " Did you mean …?", or "" when nothing near enough is left.
func solutionNameHint(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), "0123456789")
	if len(s) > 65 {
		s = s[:65]
	}
	if !nearEnough(s, name, solNameRe) {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", s)
}

func (d *decoder) decodeSolution(b *hcl.Block) {
	s := &Solution{Name: b.Labels[0], DeclRange: b.DefRange}
	if !solNameRe.MatchString(s.Name) || len(s.Name) > 65 {
		d.errorf(b.LabelRanges[0], "Invalid solution name",
			"%q is not a valid solution unique name: use letters, digits and underscores, starting with a letter or underscore (at most 65 characters).%s", s.Name, solutionNameHint(s.Name))
	}
	c := d.content(b.Body, []string{"display_name", "version", "description"}, []string{"version"},
		hcl.BlockHeaderSchema{Type: "publisher", LabelNames: []string{"name"}})
	d.str(c, "display_name", &s.DisplayName)
	d.str(c, "description", &s.Description)
	if d.str(c, "version", &s.Version) {
		m := versionRe.FindStringSubmatch(s.Version)
		if m == nil {
			d.errorf(c.Attributes["version"].Expr.Range(), "Invalid version",
				"%q is not a solution version: Dataverse versions are four dot-separated integers of at most nine digits each (0 to 999999999); write version = %q.", s.Version, versionSuggestion(s.Version))
		} else {
			for i := range 4 {
				s.VersionNums[i], _ = strconv.Atoi(m[i+1])
			}
			// As Dataverse reads it ("01.02.0.0" is 1.2.0.0): the archives'
			// names and history say the same version.
			n := s.VersionNums
			s.Version = fmt.Sprintf("%d.%d.%d.%d", n[0], n[1], n[2], n[3])
		}
	}
	if s.DisplayName == "" {
		s.DisplayName = s.Name
	}
	for _, pb := range c.Blocks {
		if s.Publisher != nil {
			d.errorf(pb.DefRange, "Duplicate publisher", "A solution has one publisher; the first is declared at %s.", rangeText(s.Publisher.DeclRange))
			continue
		}
		s.Publisher = d.decodePublisher(pb)
	}
	if s.Publisher == nil {
		d.errorf(b.DefRange, "Missing publisher", "The solution needs a publisher block, which sets the customization prefix.")
		if len(d.solutions) == 0 {
			// Its example, with the prefix the project's names use, is
			// written once every file is decoded (resolveSolution).
			d.missingPublisher = d.diags[len(d.diags)-1]
		}
	}
	d.solutions = append(d.solutions, s)
}

func (d *decoder) decodePublisher(b *hcl.Block) *Publisher {
	p := &Publisher{Name: b.Labels[0], DeclRange: b.DefRange, OptionValuePrefix: 10000}
	if !solNameRe.MatchString(p.Name) {
		d.errorf(b.LabelRanges[0], "Invalid publisher name", "%q is not a valid publisher unique name: use letters, digits and underscores.", p.Name)
	}
	c := d.content(b.Body, []string{"display_name", "prefix", "option_value_prefix", "description"}, []string{"prefix"})
	d.unusedDescription(c, "publisher")
	d.str(c, "display_name", &p.DisplayName)
	if p.DisplayName == "" {
		p.DisplayName = p.Name
	}
	if d.str(c, "prefix", &p.Prefix) {
		if !prefixRe.MatchString(p.Prefix) || strings.HasPrefix(p.Prefix, "mscrm") {
			hint := ""
			if l := strings.ToLower(p.Prefix); l != p.Prefix && prefixRe.MatchString(l) && !strings.HasPrefix(l, "mscrm") {
				hint = fmt.Sprintf(" Did you mean %q?", l)
			}
			d.errorf(c.Attributes["prefix"].Expr.Range(), "Invalid prefix",
				"%q is not a valid customization prefix: 2 to 8 characters, lowercase letters and digits, starting with a letter, not starting with \"mscrm\".%s", p.Prefix, hint)
			d.noPrefix = true
		}
	}
	if d.integer(c, "option_value_prefix", &p.OptionValuePrefix) {
		if p.OptionValuePrefix < 10000 || p.OptionValuePrefix > 99999 {
			d.errorf(c.Attributes["option_value_prefix"].Expr.Range(), "Invalid option value prefix",
				"option_value_prefix must be between 10000 and 99999; got %d.", p.OptionValuePrefix)
		}
	}
	return p
}

// ValidEnvironmentName reports whether name is one an environment block
// may have, so that a hint listing a project's environments names none
// that validate refuses.
func ValidEnvironmentName(name string) bool { return envNameRe.MatchString(name) }

func (d *decoder) decodeEnvironment(b *hcl.Block) {
	e := &Environment{Name: b.Labels[0], DeclRange: b.DefRange, BlockRange: b.DefRange, MaxActiveFlowsPerTable: 10}
	if body, ok := b.Body.(*hclsyntax.Body); ok {
		e.BlockRange = hcl.RangeBetween(b.DefRange, body.SrcRange)
	}
	if !envNameRe.MatchString(e.Name) {
		d.errorf(b.LabelRanges[0], "Invalid environment name", "%q is not a valid environment name: use lowercase letters, digits, '-' and '_', starting with a letter.%s", e.Name, nameHint(e.Name, len(e.Name), "-", envNameRe))
	}
	c := d.content(b.Body, []string{"managed", "store", "url", "promote_from", "values", "max_active_flows_per_table", "description"}, nil)
	d.unusedDescription(c, "environment")
	d.boolean(c, "managed", &e.Managed)
	e.Attrs = ranges(c)
	d.name(c, "store", &e.Store)
	d.name(c, "url", &e.URL)
	d.name(c, "promote_from", &e.PromoteFrom)
	if d.integer(c, "max_active_flows_per_table", &e.MaxActiveFlowsPerTable) && e.MaxActiveFlowsPerTable < 1 {
		d.errorf(c.Attributes["max_active_flows_per_table"].Expr.Range(), "Invalid max_active_flows_per_table", "max_active_flows_per_table must be at least 1.")
		e.MaxActiveFlowsPerTable = 10 // checked no further: one error, not a cascade
	}
	if e.Store != "" && e.URL != "" {
		d.errorf(c.Attributes["url"].Expr.Range(), "Conflicting store and url", "An environment is either local (store) or remote (url), not both.")
	}
	if e.Store != "" && !strings.HasPrefix(e.Store, "sqlite://") && !strings.HasPrefix(e.Store, "postgres://") && !strings.HasPrefix(e.Store, "postgresql://") {
		scheme, _, _ := strings.Cut(e.Store, "://")
		d.errorf(c.Attributes["store"].Expr.Range(), "Invalid store", "store must start with sqlite://, postgres:// or postgresql://; got %q.%s",
			RedactStore(e.Store), didYouMean(scheme, []string{"sqlite", "postgres", "postgresql"}))
	} else if problem := postgresURLProblem(e.Store); problem != "" {
		d.errorf(c.Attributes["store"].Expr.Range(), "Invalid store", "%s", problem)
	} else if problem := sqlitePathProblem(e.Store); problem != "" {
		d.errorf(c.Attributes["store"].Expr.Range(), "Invalid store", "%s", problem)
	} else if postgresWithoutDatabase(e.Store) {
		// A warning: PGDATABASE may name it on purpose. Without it the
		// environment lands, with no word, in the user's database.
		r := c.Attributes["store"].Expr.Range()
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Store names no database", Subject: &r,
			Detail: "The store URL names no database, so PostgreSQL connects to the one PGDATABASE names where bpfc runs, else to the database " +
				"named like the user, and the environment's schema goes there. Name it after the host and port: postgres://user@host:5432/DATABASE."})
	}
	if bare, held := storeWithoutPassword(e.Store); held {
		// A warning: the URL works. But the project is shared (version
		// control, CI logs, plans), and the password goes with it; the
		// detail names the URL without it, never the password.
		r := c.Attributes["store"].Expr.Range()
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Password in the store URL", Subject: &r,
			Detail: fmt.Sprintf("The store URL holds the database password, which then goes wherever the project goes (version control, CI logs). "+
				"Write %q and keep the password where bpfc runs: in PGPASSWORD, or a line host:port:database:user:password of ~/.pgpass (mode 0600).", bare)})
	}
	if e.URL != "" && !strings.HasPrefix(e.URL, "http://") && !strings.HasPrefix(e.URL, "https://") {
		d.errorf(c.Attributes["url"].Expr.Range(), "Invalid url", "url must start with http:// or https://; got %q.", e.URL)
	} else if u, err := url.Parse(e.URL); e.URL != "" && (err != nil || u.Host == "") {
		d.errorf(c.Attributes["url"].Expr.Range(), "Invalid url", "url names the server, such as \"http://build-box.internal:8080\"; %q has no host.", e.URL)
	} else if e.URL != "" && strings.Trim(u.Path, "/") != "" {
		root := u.Scheme + "://" + u.Host
		d.errorf(c.Attributes["url"].Expr.Range(), "Invalid url", "url names the server's root, not a path on it: write %q (bpfc adds the API's path %s itself).", root, "/api/data/v9.2/")
	}
	if a, ok := c.Attributes["values"]; ok {
		d.noDuplicateKeys(a.Expr)
		d.envValues[e] = a.Expr
	}
	d.p.Environments = append(d.p.Environments, e)
}

// sqlitePathProblem says what is wrong with a sqlite:// store's path, or "".
func sqlitePathProblem(store string) string {
	path, ok := strings.CutPrefix(store, "sqlite://")
	switch {
	case !ok:
		return ""
	case path == "":
		return "store names no file: write \"sqlite://.bpfc/ENV.db\" or leave store out (the default)."
	case path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "?"):
		return fmt.Sprintf("%q is not a file: an environment keeps its rows between commands; name a file such as \"sqlite://.bpfc/ENV.db\".", store)
	case strings.HasSuffix(strings.ToLower(path), ".hcl"):
		return fmt.Sprintf("%q names a source file of the project (.hcl), which the store would overwrite; name a .db file.", store)
	}
	return ""
}

func (d *decoder) decodeVariable(b *hcl.Block) {
	v := &Variable{Name: d.ident(b, "variable"), DeclRange: b.DefRange, Type: VarString}
	c := d.content(b.Body, []string{"type", "default", "display_name", "description", "required"}, nil)
	if d.str(c, "type", &v.Type) {
		switch v.Type {
		case VarString, VarNumber, VarBoolean, VarJSON, VarSecret:
		default:
			d.errorf(c.Attributes["type"].Expr.Range(), "Unknown variable type",
				"%q is not a variable type; use one of string, number, boolean, json, secret.%s", v.Type,
				didYouMean(v.Type, []string{VarString, VarNumber, VarBoolean, VarJSON, VarSecret}))
			// Go on with the type the default suggests, so that the one
			// typo is one error (not one per value and use).
			v.Type = VarString
			if a, ok := c.Attributes["default"]; ok {
				if val, diags := a.Expr.Value(nil); !diags.HasErrors() && !val.IsNull() {
					switch {
					case val.Type() == cty.Number:
						v.Type = VarNumber
					case val.Type() == cty.Bool:
						v.Type = VarBoolean
					case val.Type().IsObjectType() || val.Type().IsTupleType() || val.Type().IsMapType() || val.Type().IsListType():
						v.Type = VarJSON
					}
				}
			}
		}
	}
	d.str(c, "display_name", &v.DisplayName)
	d.str(c, "description", &v.Description)
	required := true
	if d.boolean(c, "required", &required) {
		v.Optional = !required
	}
	if v.DisplayName == "" {
		v.DisplayName = v.Name
	}
	if a, ok := c.Attributes["default"]; ok {
		d.varDefaults[v] = a.Expr
	}
	d.p.Variables = append(d.p.Variables, v)
}

// variableValue converts a value for variable v (a default or an environment
// value), reporting a diagnostic on rng when it does not fit.
func variableValue(v *Variable, val cty.Value, rng hcl.Range, what string) (cty.Value, *hcl.Diagnostic) {
	bad := func(want string) (cty.Value, *hcl.Diagnostic) {
		return cty.NilVal, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Invalid value for variable", Subject: &rng,
			Detail: what + " for variable \"" + v.Name + "\" must be " + want + "; got " + describe(val) + ".",
		}
	}
	if val.IsNull() {
		return bad("a value, not null")
	}
	if problem := valueProblem(val); problem != "" {
		return cty.NilVal, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable", Subject: &rng,
			Detail: what + " for variable \"" + v.Name + "\": " + problem}
	}
	switch v.Type {
	case VarString, VarSecret:
		if val.Type() != cty.String {
			return bad("a string")
		}
		if val.AsString() == "" {
			return bad("a non-empty string (an empty string is not a value)")
		}
	case VarNumber:
		if val.Type() != cty.Number {
			return bad("a number")
		}
	case VarBoolean:
		if val.Type() != cty.Bool {
			return bad("true or false")
		}
	case VarJSON:
		// Any value encodes as JSON; a string is taken as JSON text, so it
		// must be some.
		if val.Type() == cty.String {
			var x any
			if err := json.Unmarshal([]byte(val.AsString()), &x); err != nil {
				return bad("JSON text (a string is taken as JSON: " + err.Error() + "), or an HCL object or list")
			}
			return jsonTextValue(val), nil
		}
	}
	return val, nil
}

func rangeText(r hcl.Range) string {
	return r.Filename + ":" + strconv.Itoa(r.Start.Line) + ":" + strconv.Itoa(r.Start.Column)
}

// sslModes are the sslmode values PostgreSQL's clients take.
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// postgresURLProblem says what is wrong with a postgres:// store URL that
// would only fail when bpfc first connects (a port that is no number, host
// and port lists that do not match, an unknown sslmode), or "" (also for
// other stores).
func postgresURLProblem(store string) string {
	if !strings.HasPrefix(store, "postgres://") && !strings.HasPrefix(store, "postgresql://") {
		return ""
	}
	if problem := postgresSyntaxProblem(store); problem != "" {
		return "the store URL does not parse: " + problem + "."
	}
	u, _ := parsePgURL(store)
	for _, h := range u.hosts {
		if strings.Contains(h.raw(), "@") {
			// The driver ends the user information at the first '@', so a
			// password's own '@' makes the rest of it a host name. Not quoted:
			// that host is some of the password.
			return "the store URL has a '@' after its user information, so the driver would take the text after the first '@' for the host; " +
				"a '@' in the password must be written %40 (or leave the password out and set PGPASSWORD)."
		}
	}
	if problem := hostPortProblem(u); problem != "" {
		return problem
	}
	if !u.hasUser && strings.Contains(u.path, "@") {
		// The driver ends the search for the user information at the first
		// '/': a password with one (u:5432/x@h/db) makes its start a host
		// and port and the rest the database name. Not quoted: it is some
		// of the password.
		return "the store URL has a '@' in its database name and no user information before its hosts, so the driver would take the text " +
			"before the first '/' for the host and port; a '/' in the user name or password must be written %2F (and a '@' in a database name %40)."
	}
	if m, _ := u.param("sslmode"); m != "" && !contains(sslModes, m) {
		return fmt.Sprintf("sslmode=%s is not one of %s.%s", m, strings.Join(sslModes, ", "), didYouMean(m, sslModes))
	}
	if v, ok := u.param("ssl"); ok && v != "true" {
		// The driver reads ssl=true as sslmode=require (as libpq does, for
		// JDBC's URLs); any other value goes to the server, which refuses it.
		return fmt.Sprintf("ssl=%s: ssl takes only true (which is sslmode=require); give sslmode, one of %s.", v, strings.Join(sslModes, ", "))
	}
	names := map[string]bool{}
	for _, p := range u.params() {
		names[p.name] = true
	}
	for _, k := range slices.Sorted(maps.Keys(names)) {
		if contains(PostgresURLParams, k) || k == "ssl" {
			continue
		}
		if contains(UnsupportedPostgresParams, k) {
			// A real parameter, of libpq (psql) or an older pgx: no typo,
			// but pgx sends it to the server, which refuses it.
			return fmt.Sprintf("the store URL's parameter %q is one bpfc's PostgreSQL driver (pgx) does not support: it would send it to the server as a setting, "+
				"which refuses it at the first connection. Remove it.", k)
		}
		// Any other parameter goes to the server as a setting, so only
		// one close to a connection parameter is surely a slip; the
		// server would refuse it at the first connection, far from here.
		if nameSuggestion(k, PostgresURLParams) != "" {
			return fmt.Sprintf("the store URL's parameter %q is no connection parameter, and the PostgreSQL server would refuse it as a setting.%s",
				k, didYouMean(k, PostgresURLParams))
		}
	}
	return ""
}

// portProblem says why a port of the store URL's list (written from, as
// hostsAndPorts says) is none the driver takes, or "" for a port number or
// an empty one (the default, 5432). As the driver, it takes digits only: no
// sign, no space. A port is quoted only when quote says no password can be
// in it: one with an unencoded '/' puts its start there.
func portProblem(port, from string, quote bool) string {
	if port == "" {
		return ""
	}
	if !isDigits(port) {
		if from == "in port=" {
			return "the store URL's port= is not a port number (1 to 65535, digits only), or a list of them separated by ','."
		}
		return "the store URL's port (after a host's ':') is not a port number (1 to 65535, digits only); a '/' in the password must be written %2F."
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		if !quote {
			return "the store URL's port (after a host's ':') is out of range (1 to 65535); a '/' in the password must be written %2F."
		}
		return fmt.Sprintf("the store URL's port %q is not a port number (1 to 65535).", port)
	}
	return ""
}

// postgresWithoutDatabase: a postgres:// store URL with neither a path nor
// dbname= (or the driver's database=), nor a service= whose entry in the
// service file may name it (a URL that does not parse says so elsewhere).
func postgresWithoutDatabase(store string) bool {
	u, ok := parsePgURL(store)
	if !ok || strings.Trim(u.path, "/") != "" {
		return false
	}
	for _, name := range []string{"dbname", "database", "service"} {
		if v, _ := u.param(name); v != "" {
			return false
		}
	}
	return true
}

// PostgresURLParams are the parameters of a postgres:// URL that configure
// the connection itself (libpq's names pgx takes, and pgx's own: database,
// the statement cache); the driver sends any other one to the server as a
// setting. ssl=true, an alias of sslmode=require, is checked on its own.
var PostgresURLParams = []string{"host", "port", "dbname", "database", "user", "password", "passfile", "connect_timeout",
	"options", "application_name", "sslmode", "sslcert", "sslcertmode", "sslkey", "sslrootcert",
	"sslpassword", "sslsni", "sslnegotiation", "target_session_attrs", "service", "servicefile", "channel_binding",
	"require_auth", "min_protocol_version", "max_protocol_version", "krbsrvname", "krbspn",
	"statement_cache_capacity", "description_cache_capacity", "default_query_exec_mode"}

// UnsupportedPostgresParams are connection parameters of libpq (and of pgx
// v4: min_read_buffer_size) that pgx v5 does not know: it sends them to the
// server as settings, and the server refuses them ("unrecognized
// configuration parameter"). Named so, not taken for a slip of a near one
// (sslcrl is no typo of sslcert).
var UnsupportedPostgresParams = []string{"hostaddr", "fallback_application_name", "keepalives", "keepalives_idle",
	"keepalives_interval", "keepalives_count", "tcp_user_timeout", "gssencmode", "gsslib", "gssdelegation", "requiressl",
	"sslcompression", "sslcrl", "sslcrldir", "sslkeylogfile", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version",
	"load_balance_hosts", "scram_client_key", "scram_server_key", "oauth_issuer", "oauth_client_id", "oauth_client_secret",
	"oauth_scope", "min_read_buffer_size"}

// versionSuggestion is the version a user most likely meant by v, which
// versionRe refuses: without a leading "v", padded to four parts with zeros
// ("1.2" is 1.2.0.0); "1.0.0.0" when v does not say.
func versionSuggestion(v string) string {
	parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "v"), "V"), ".")
	if len(parts) > 4 {
		return "1.0.0.0"
	}
	for _, p := range parts {
		// Digits only: Atoi also takes a sign ("-0", "+1"), which versionRe
		// refuses.
		if p == "" || len(p) > 9 || strings.Trim(p, "0123456789") != "" {
			return "1.0.0.0"
		}
	}
	for len(parts) < 4 {
		parts = append(parts, "0")
	}
	return strings.Join(parts, ".")
}
