package webapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
)

// requireAdmin is the session's RequireAdmin with the next step added to
// a refusal: a client's token of a user without the role (a CI's deploy
// through the server) heard only that it may not, and not what to do. The
// command runs where this server runs, so it names the server's own
// environment, and keeps the user's roles, as user set gives exactly the
// roles it names.
func (s *Server) requireAdmin(r *http.Request, doing string) error {
	err := session(r).RequireAdmin(r.Context(), doing)
	var fe *engine.ForbiddenError
	if !errors.As(err, &fe) || !fe.NotAdmin {
		return err
	}
	cmd := "bpfc user set " + shellWord(fe.User) + " --env " + shellWord(s.cfg.Env)
	for _, role := range fe.Roles {
		if role != "system_administrator" {
			cmd += " --role " + shellWord(role)
		}
	}
	cmd += " --role system_administrator"
	return fmt.Errorf("%w; use the token of a user who has that role, or give %s the role where this server runs: %s", err, fe.User, cmd)
}

// shellWord is s as a shell reads it back: as is when plain, else in
// single quotes (a user name is one word of any printable characters).
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
