package compiler

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	kvPassword  = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
	urlPassword = regexp.MustCompile(`(://[^:/@\s]*:)[^@\s]*@`)
)

// RedactStore hides the password of a store's connection string, in its
// user information (postgres://u:PASSWORD@…), its password parameter
// (?password=…) or a key=value form (password=…): what messages, plans and
// diffs show of an environment's store.
func RedactStore(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return urlPassword.ReplaceAllString(kvPassword.ReplaceAllString(s, "${1}***"), "${1}***@")
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "***")
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A", "***")
}

// storeWithoutPassword is a postgres:// store URL without the password it
// holds, in its user information or its password parameter, and whether it
// held one (an empty one is no secret). The other parameters keep their
// order, so that the suggestion reads like the line the user wrote.
func storeWithoutPassword(store string) (string, bool) {
	u, ok := parsePgURL(store)
	if !ok {
		return "", false
	}
	if u.hasUser {
		// A password with an unencoded '@' runs on into the hosts (see
		// postgresURLProblem): the user information the user meant ends
		// at the netloc's last '@', and the suggestion must quote none of it.
		for i := len(u.hosts) - 1; i >= 0; i-- {
			if before, host, found := cutLast(u.hosts[i].raw(), "@"); found {
				parts := []string{u.userinfo}
				for _, h := range u.hosts[:i] {
					parts = append(parts, h.raw())
				}
				u.userinfo = strings.Join(append(parts, before), ",")
				u.hosts = append([]pgHost{splitPgHost(host)}, u.hosts[i+1:]...)
				break
			}
		}
	}
	held := false
	if user, password, has := strings.Cut(u.userinfo, ":"); has {
		u.userinfo = user
		held = password != ""
	}
	var kept []string
	for _, p := range u.params() {
		if p.name == "password" {
			held = held || p.value != ""
			continue
		}
		kept = append(kept, p.raw)
	}
	u.query = strings.Join(kept, "&")
	return u.String(), held
}
