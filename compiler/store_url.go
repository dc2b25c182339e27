package compiler

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
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

// hostsAndPorts are the store URL's host and port lists as the driver
// reads them: host= and port= replace the netloc's lists, each list is
// decoded as one text and then split at its commas (so %2C splits too), and
// an IPv6 address loses its brackets. A list the URL does not give is nil
// (PGHOST, PGPORT or the default stands in, where bpfc runs); hostsFrom and
// portsFrom say where a given one is written ("in host=", "after '//'").
func (u pgURL) hostsAndPorts() (hosts []string, hostsFrom string, ports []string, portsFrom string) {
	var hostList, portList []string
	for _, h := range u.hosts {
		hostList = append(hostList, strings.TrimSuffix(strings.TrimPrefix(h.host, "["), "]"))
		portList = append(portList, h.port)
	}
	// As the driver: a netloc of one entry with no host ("postgres://:5433/")
	// gives no host, and one without ':' gives no port.
	if joined := strings.Join(hostList, ","); joined != "" {
		hosts, hostsFrom = strings.Split(decodePgPart(joined), ","), "after '//'"
	}
	if joined := strings.Join(portList, ","); joined != "" {
		ports, portsFrom = strings.Split(decodePgPart(joined), ","), "after the hosts' ':'"
	}
	if v, ok := u.param("host"); ok {
		hosts, hostsFrom = strings.Split(v, ","), "in host="
	}
	if v, ok := u.param("port"); ok {
		ports, portsFrom = strings.Split(v, ","), "in port="
	}
	return hosts, hostsFrom, ports, portsFrom
}

// decodePgPart percent-decodes a part of a store URL as the driver does
// (spaces around it dropped, no '+' for a space); postgresSyntaxProblem
// passed it, so it decodes.
func decodePgPart(s string) string {
	if d, err := url.PathUnescape(strings.Trim(s, " ")); err == nil {
		return d
	}
	return s
}

// hostPortProblem says why the driver cannot use the store URL's host and
// port lists, or "": an empty host= or host entry (the driver would go to
// the local default where bpfc runs), a number where a host goes (a port
// listed after the hosts), a port that is no port number, or more than one
// port and not one per host. Hosts and ports are not quoted: with a '/' in
// the password, the driver reads some of it as a host or a port.
func hostPortProblem(u pgURL) string {
	hosts, hostsFrom, ports, portsFrom := u.hostsAndPorts()
	if hostsFrom == "in host=" && len(hosts) == 1 && strings.TrimSpace(hosts[0]) == "" {
		return "the store URL's host= is empty, so the driver would connect to the local default (a Unix socket, else localhost) where bpfc runs; " +
			"name the host (host=db.internal), or leave host= out."
	}
	var empty []string
	for i, h := range hosts {
		if strings.TrimSpace(h) == "" {
			empty = append(empty, strconv.Itoa(i+1))
		}
	}
	switch {
	case len(empty) == 1:
		return fmt.Sprintf("the store URL's host list (%s) has an empty host, entry %s of %d, which the driver would take for the local default "+
			"(a Unix socket, else localhost) where bpfc runs; name a host in each entry (postgres://h1:5432,h2:5432/db), or remove the extra ','.",
			hostsFrom, empty[0], len(hosts))
	case len(empty) > 1:
		return fmt.Sprintf("the store URL's host list (%s) has empty hosts, entries %s and %s of %d, which the driver would take for the local "+
			"default (a Unix socket, else localhost) where bpfc runs; name a host in each entry (postgres://h1:5432,h2:5432/db), or remove the extra ','.",
			hostsFrom, strings.Join(empty[:len(empty)-1], ", "), empty[len(empty)-1], len(hosts))
	}
	for i, h := range hosts {
		if isDigits(strings.TrimSpace(h)) {
			return fmt.Sprintf("the store URL's host %d of %d (%s) is a number, which the driver takes for a host's name, not a port: "+
				"a port goes after its own host's ':' (postgres://h1:5432,h2:5433/db), or in port= with one per host (?port=5432,5433).",
				i+1, len(hosts), hostsFrom)
		}
	}
	// A '@' the user information did not take (it ends at the first '/')
	// may end a password the driver read as a host and a port.
	quote := portsFrom == "in port=" || !strings.Contains(u.path+"?"+u.query, "@")
	for _, p := range ports {
		if problem := portProblem(p, portsFrom, quote); problem != "" {
			return problem
		}
	}
	switch {
	case len(ports) <= 1:
	case hosts == nil && u.hasParam("service"):
		// The service's entry may name the hosts, as it may the database
		// (postgresWithoutDatabase): the driver takes them from it.
	case hosts == nil:
		return fmt.Sprintf("the store URL gives %d ports (%s) but names no host, so it works only where PGHOST lists as many; "+
			"name the hosts, each with its port (postgres://h1:5432,h2:5433/db).", len(ports), portsFrom)
	case len(ports) != len(hosts):
		return fmt.Sprintf("the store URL gives %d ports (%s) for %d %s (%s), and the driver takes one port for all hosts or one per host; "+
			"write each host with its port (postgres://h1:5432,h2:5433/db), or one port for all in port= (?port=5432).",
			len(ports), portsFrom, len(hosts), map[bool]string{true: "host", false: "hosts"}[len(hosts) == 1], hostsFrom)
	}
	return ""
}

// isDigits: s is one or more ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// hasParam: the query gives name a value that is not empty.
func (u pgURL) hasParam(name string) bool {
	v, _ := u.param(name)
	return v != ""
}
