package compiler

import (
	"errors"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// pgURL is a postgres:// store URL cut into its raw parts the way libpq and
// pgx read one, which is not RFC 3986: the netloc may list several hosts
// (h1:5432,h2/db) and a host may be a percent-encoded socket directory
// (%2Fvar%2Frun%2Fpostgresql), both of which net/url refuses.
type pgURL struct {
	scheme   string // "postgres://" or "postgresql://"
	userinfo string // before the '@', "" when there is none
	hasUser  bool
	hosts    []pgHost
	path     string // after the netloc's '/', before '?'
	hasPath  bool
	query    string // after the '?'
}

// pgHost is one entry of the netloc's comma-separated list, still encoded.
type pgHost struct {
	host, port string
	hasPort    bool
}

// parsePgURL cuts store into its parts; ok is false when it is no
// postgres:// URL. It takes what postgresSyntaxProblem passed, so it judges
// nothing itself.
func parsePgURL(store string) (u pgURL, ok bool) {
	for _, s := range []string{"postgresql://", "postgres://"} {
		if rest, found := strings.CutPrefix(store, s); found {
			u.scheme, store, ok = s, rest, true
			break
		}
	}
	if !ok {
		return u, false
	}
	// As libpq: only a '/' ends the search for the user information's '@'.
	if i := strings.IndexAny(store, "@/"); i >= 0 && store[i] == '@' {
		u.userinfo, u.hasUser, store = store[:i], true, store[i+1:]
	}
	netloc := store
	inBrackets := false
	for i, c := range store {
		inBrackets = c == '[' || inBrackets && c != ']'
		if !inBrackets && (c == '/' || c == '?') {
			netloc, store = store[:i], store[i:]
			break
		}
	}
	if netloc == store {
		store = ""
	}
	if netloc != "" {
		for _, h := range splitOutsideBrackets(netloc) {
			u.hosts = append(u.hosts, splitPgHost(h))
		}
	}
	if rest, found := strings.CutPrefix(store, "/"); found {
		u.hasPath = true
		u.path, store = rest, ""
		if i := strings.IndexByte(rest, '?'); i >= 0 {
			u.path, store = rest[:i], rest[i:]
		}
	}
	u.query = strings.TrimPrefix(store, "?")
	return u, true
}

// splitPgHost cuts one entry of the netloc's host list at its port's ':'.
func splitPgHost(h string) (e pgHost) {
	hostEnd := 0
	if strings.HasPrefix(h, "[") {
		hostEnd = strings.IndexByte(h, ']') + 1
	}
	if i := strings.IndexByte(h[hostEnd:], ':'); i >= 0 {
		e.host, e.port, e.hasPort = h[:hostEnd+i], h[hostEnd+i+1:], true
	} else {
		e.host = h
	}
	return e
}

// raw is the entry as written, host and port.
func (h pgHost) raw() string {
	if h.hasPort {
		return h.host + ":" + h.port
	}
	return h.host
}

// splitOutsideBrackets splits the netloc at the commas not inside an IPv6
// address's brackets.
func splitOutsideBrackets(s string) []string {
	var parts []string
	inBrackets, start := false, 0
	for i, c := range s {
		switch {
		case c == '[':
			inBrackets = true
		case c == ']':
			inBrackets = false
		case c == ',' && !inBrackets:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// params are the query's parameters, decoded, in their order (libpq's
// decoding: no '+' for a space). The last of a repeated name wins.
func (u pgURL) params() []pgParam {
	var ps []pgParam
	for _, kv := range strings.Split(u.query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		name, err := url.PathUnescape(strings.TrimSpace(k))
		if err != nil {
			name = k
		}
		value, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			value = v
		}
		ps = append(ps, pgParam{raw: kv, name: name, value: value})
	}
	return ps
}

// pgParam is one name=value of a store URL's query.
type pgParam struct{ raw, name, value string }

// param is the last value the query gives name, and whether it gives one.
func (u pgURL) param(name string) (string, bool) {
	value, found := "", false
	for _, p := range u.params() {
		if p.name == name {
			value, found = p.value, true
		}
	}
	return value, found
}

// String is the URL again from its parts.
func (u pgURL) String() string {
	var b strings.Builder
	b.WriteString(u.scheme)
	if u.hasUser {
		b.WriteString(u.userinfo + "@")
	}
	for i, h := range u.hosts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(h.raw())
	}
	if u.hasPath {
		b.WriteString("/" + u.path)
	}
	if u.query != "" {
		b.WriteString("?" + u.query)
	}
	return b.String()
}

// postgresSyntaxProblem is why the driver, pgx, cannot read store as a URL
// (a bad percent escape, a query pair without '=', an unclosed '['), or "".
// pgx's own parser decides, so that validate accepts exactly the URLs bpfc
// connects with. An empty list of allowed keys makes pgx stop right after
// the parse, before it reads the service file, ~/.pgpass or certificates
// or looks up the OS user: validate's verdict does not depend on the machine.
func postgresSyntaxProblem(store string) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(store, "postgresql://"), "postgres://")
	if strings.Trim(strings.TrimSuffix(rest, "?"), "/:@") == "" {
		// Gives pgx no key, so it would go on to read the files; nothing
		// in it can fail to parse.
		return ""
	}
	_, err := pgconn.ParseConfigWithOptions(store, pgconn.ParseConfigOptions{ConnStringAllowedKeys: []string{}})
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		// The wrapped error names the part that failed; pgx's own message
		// repeats the whole URL, password and all. The part can hold some
		// of a password with a '/' in it (pgx redacts what it takes for
		// the password), so with one the detail is not shown.
		if user, _, found := cutLast(rest, "@"); found && strings.Contains(user, ":") {
			return "its detail is not shown, as it could quote some of the password; " +
				"percent-encode the password's special characters (a / as %2F, a @ as %40), or leave it out and set PGPASSWORD"
		}
		return pe.Unwrap().Error()
	}
	return ""
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
