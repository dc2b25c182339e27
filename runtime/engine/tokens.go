package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Bearer tokens of the Web API (runtime/webapi): issued per user, kept in
// the environment as their SHA-256 only (store.TokenTx), revocable.

// tokenPrefix starts every token, so that a leaked one is recognisable;
// sessionPrefix every web session's (IssueSession), which the Web API
// does not take: a session cookie is no lasting credential.
const (
	tokenPrefix   = "bpfc_"
	sessionPrefix = "bpfcs_"
)

// SessionLabel labels the tokens web sessions are (IssueSession); a token
// of bpfc user token cannot take it.
const SessionLabel = "web sign-in"

// HashToken is how the store keeps a token: its hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func tokenTx(tx store.Tx) (store.TokenTx, error) {
	tt, ok := tx.(store.TokenTx)
	if !ok {
		return nil, errors.New("this environment's store cannot keep tokens")
	}
	return tt, nil
}

// IssueToken issues a bearer token for a user: a system administrator may
// issue one for anyone, other users only for themselves. It returns the
// token, which is shown once and kept only as its hash.
func (s *Session) IssueToken(ctx context.Context, user, label string) (string, store.Token, error) {
	if strings.EqualFold(strings.TrimSpace(label), SessionLabel) {
		return "", store.Token{}, invalid("the label %q is the web pages' sessions': give the token another", SessionLabel)
	}
	return s.issue(ctx, user, label, tokenPrefix)
}

// IssueSession issues a web session's token for a user (themselves, or
// anyone for an administrator): AuthenticateSession takes it for as long
// as the session lasts, Authenticate (the Web API) never.
func (s *Session) IssueSession(ctx context.Context, user string) (string, store.Token, error) {
	return s.issue(ctx, user, SessionLabel, sessionPrefix)
}

// IsSessionToken reports whether token has the form of a web session's
// token (IssueSession), which the Web API refuses, so that its refusal can
// say so rather than call it unknown.
func IsSessionToken(token string) bool { return strings.HasPrefix(token, sessionPrefix) }

func (s *Session) issue(ctx context.Context, user, label, prefix string) (string, store.Token, error) {
	var secret string
	var tk store.Token
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		if user != o.user {
			if err := o.requireAdmin("issue tokens for other users"); err != nil {
				return err
			}
		}
		u, err := o.tx.User(user)
		if errors.Is(err, store.ErrNotFound) {
			// The acting user is an administrator here (another user's
			// name), who may list the users.
			return noUser(o.tx, user, o.dep.env)
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return &ErrRefused{Op: "issue a token", Rule: RuleUserDisabled, Reason: fmt.Sprintf("user %q is disabled (bpfc user set %s --enable lets them in again)", user, user)}
		}
		tt, err := tokenTx(o.tx)
		if err != nil {
			return err
		}
		var raw [32]byte
		var idRaw [5]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return err
		}
		if _, err := rand.Read(idRaw[:]); err != nil {
			return err
		}
		secret = prefix + base64.RawURLEncoding.EncodeToString(raw[:])
		tk = store.Token{ID: strings.ToLower(base32.StdEncoding.EncodeToString(idRaw[:])), User: user, Hash: HashToken(secret),
			Label: label, CreatedOn: o.now, CreatedBy: o.user}
		return tt.PutToken(tk)
	})
	if err != nil {
		return "", store.Token{}, err
	}
	return secret, tk, nil
}

// Tokens lists a user's tokens ("" = every user's: administrators only).
func (s *Session) Tokens(ctx context.Context, user string) ([]store.Token, error) {
	var out []store.Token
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		if user != o.user {
			if err := o.requireAdmin("list other users' tokens"); err != nil {
				return err
			}
		}
		tt, err := tokenTx(o.tx)
		if err != nil {
			return err
		}
		out, err = tt.Tokens(user)
		return err
	})
	return out, err
}

// RevokeToken revokes a token by its id; a user may revoke their own,
// an administrator anyone's.
func (s *Session) RevokeToken(ctx context.Context, id string) error {
	return s.e.run(ctx, s.user, true, func(o *op) error {
		tt, err := tokenTx(o.tx)
		if err != nil {
			return err
		}
		all, err := tt.Tokens("")
		if err != nil {
			return err
		}
		for _, tk := range all {
			if tk.ID != id {
				continue
			}
			// Whose token it is, and that it was revoked, is told only to
			// those who may revoke it.
			if tk.User != o.user {
				if err := o.requireAdmin("revoke other users' tokens"); err != nil {
					return err
				}
			}
			if !tk.RevokedOn.IsZero() {
				return notFound("token %q of %s in %s was revoked already, on %s", id, tk.User, o.dep.env, tk.RevokedOn.UTC().Format("2006-01-02 15:04:05"))
			}
			return tt.RevokeToken(id, o.now)
		}
		return notFound("no valid token %q in %s (bpfc user token NAME --env %s --list lists a user's tokens by id)", id, o.dep.env, o.dep.env)
	})
}

// ErrUnauthenticated: a bearer token that is unknown, revoked, or names a
// user that is gone or disabled (*DisabledError).
var ErrUnauthenticated = errors.New("unauthenticated")

// DisabledError is a valid token of a disabled user: it authenticates no
// one (errors.Is(err, ErrUnauthenticated) holds), yet the token is known,
// so the Web API can answer as Dataverse answers a disabled user (403, the
// user refused) rather than as for a token it does not know (401).
type DisabledError struct{ User string }

func (e *DisabledError) Error() string { return fmt.Sprintf("user %q is disabled", e.User) }

// Is makes errors.Is(err, ErrUnauthenticated) hold.
func (e *DisabledError) Is(target error) bool { return target == ErrUnauthenticated }

// Authenticate returns the name of the user a bearer token belongs to. A
// web session's token is none (and neither is one labelled as sessions
// are, which an older bpfc issued with the API's prefix).
func (e *Engine) Authenticate(ctx context.Context, token string) (string, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return "", ErrUnauthenticated
	}
	return e.authenticate(ctx, token, func(tk store.Token) bool { return tk.Label != SessionLabel })
}

// AuthenticateSession returns the user of a web session's token issued
// less than ttl before now.
func (e *Engine) AuthenticateSession(ctx context.Context, token string, ttl time.Duration, now time.Time) (string, error) {
	if !strings.HasPrefix(token, sessionPrefix) {
		return "", ErrUnauthenticated
	}
	return e.authenticate(ctx, token, func(tk store.Token) bool { return now.Sub(tk.CreatedOn) <= ttl })
}

// authenticate returns the user of a valid token that ok accepts.
func (e *Engine) authenticate(ctx context.Context, token string, ok func(store.Token) bool) (string, error) {
	var user string
	err := e.s.Read(ctx, func(tx store.Tx) error {
		tt, err := tokenTx(tx)
		if err != nil {
			return err
		}
		tk, err := tt.TokenByHash(HashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnauthenticated
		}
		if err != nil {
			return err
		}
		if !tk.RevokedOn.IsZero() || !ok(tk) {
			return ErrUnauthenticated
		}
		u, err := tx.User(tk.User)
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnauthenticated
		}
		if err == nil && u.Disabled {
			return &DisabledError{User: tk.User}
		}
		user = tk.User
		return err
	})
	return user, err
}
