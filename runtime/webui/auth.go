package webui

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Sign-in. A session is a token of the environment (engine
// IssueSession; the Web API does not take it), kept by the store as its hash, revocable with bpfc user
// token --revoke, and valid on every server of the same database; the
// browser holds it in an HttpOnly, SameSite=Lax cookie. The
// administrator's one-time link carries a secret this server holds in
// memory: opening the link (a GET, which a chat or mail client's link
// preview also makes) only shows a button, whose form posts the secret
// back as "once", and that post uses it up. Anyone else signs in with a
// token of theirs from bpfc user token, posted as "token", for which the
// pages issue a session token of its own, so that signing out never
// revokes the token they signed in with.

// cookieName is the session cookie.
const cookieName = "bpfc_session"

type ctxKey struct{}

// reqSession is the signed-in user of a request.
type reqSession struct {
	user  string
	token string
	csrf  string // the token every form of the session carries
	s     *engine.Session
}

func current(r *http.Request) *reqSession {
	rs, _ := r.Context().Value(ctxKey{}).(*reqSession)
	return rs
}

// csrfToken is the form token of a session: derived from its secret, so
// that only a page of the session can know it, on any server.
func csrfToken(token string) string {
	sum := sha256.Sum256([]byte("bpfc web form\x00" + token))
	return hex.EncodeToString(sum[:16])
}

// sessionCache remembers checked sessions for a moment, so that a page
// does not cost two store reads; a revoked session ends within its TTL.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	user    string
	expires time.Time
}

const sessionCacheTTL = 2 * time.Second

// authenticate returns the user of a session token, if it is valid and
// younger than the session TTL.
func (h *Handler) authenticate(ctx context.Context, token string) (string, error) {
	hash := engine.HashToken(token)
	now := h.cfg.Now()
	h.sessions.mu.Lock()
	c, ok := h.sessions.m[hash]
	h.sessions.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.user, nil
	}
	user, err := h.eng.AuthenticateSession(ctx, token, h.cfg.SessionTTL, now)
	if err != nil {
		return "", err
	}
	h.sessions.mu.Lock()
	if h.sessions.m == nil || len(h.sessions.m) > 10_000 {
		h.sessions.m = map[string]cachedSession{}
	}
	h.sessions.m[hash] = cachedSession{user: user, expires: now.Add(sessionCacheTTL)}
	h.sessions.mu.Unlock()
	return user, nil
}

// token reads the token whose hash is hash.
func (h *Handler) token(ctx context.Context, hash string) (store.Token, error) {
	var tk store.Token
	err := h.cfg.Store.Read(ctx, func(tx store.Tx) error {
		tt, ok := tx.(store.TokenTx)
		if !ok {
			return errors.New("this environment's store cannot keep tokens")
		}
		var err error
		tk, err = tt.TokenByHash(hash)
		return err
	})
	return tk, err
}

// forget drops a session from the cache (signed out).
func (h *Handler) forget(token string) {
	h.sessions.mu.Lock()
	delete(h.sessions.m, engine.HashToken(token))
	h.sessions.mu.Unlock()
}

// authed runs a page for a signed-in user: without a valid session a page
// sends the browser to the sign-in form (and a form post is refused); a
// form post must carry the session's form token.
func (h *Handler) authed(fn func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, cancel := h.withTimeout(r)
		defer cancel()
		var user, token string
		if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
			token = c.Value
			user, err = h.authenticate(r.Context(), token)
			if err != nil && !errors.Is(err, engine.ErrUnauthenticated) {
				h.fail(w, r, nil, err)
				return
			}
		}
		if user == "" {
			if token != "" {
				h.clearCookie(w, r)
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			if signingOut(w, r, h.cfg.MaxForm) {
				// A Sign out posted again (a reload of its answer, or
				// another tab's): nothing to repeat, the user is signed out.
				w.Header().Set("Cache-Control", "no-store")
				h.render(w, r, nil, http.StatusOK, "signin", signInData{Admin: h.cfg.Admin, Notice: "You are signed out already: nothing was done."})
				return
			}
			// A form posted after the session ended: what it sent is not
			// kept, but the sign-in comes back to the page it was on.
			next := ""
			if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
				next = localPath(ref.RequestURI())
			}
			h.render(w, r, nil, http.StatusUnauthorized, "error", errorData{Title: "Signed out", Status: http.StatusUnauthorized,
				Text: "Your session has ended. Sign in again, then repeat what you did.", SignIn: "/signin?next=" + url.QueryEscape(cmp.Or(next, "/"))})
			return
		}
		rs := &reqSession{user: user, token: token, csrf: csrfToken(token), s: h.eng.As(user)}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, rs))
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxForm)
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "The form could not be read: %v.", err))
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(rs.csrf)) != 1 {
				h.fail(w, r, rs, errorf(http.StatusForbidden, "Refused", "This form is not from this session (it may be from before you signed in again). Reload the page and try again."))
				return
			}
		}
		fn(w, r)
	})
}

// signingOut reports whether r posts a Sign out: the top bar's form, or
// the stage form's button standing for it (op signout).
func signingOut(w http.ResponseWriter, r *http.Request, maxForm int64) bool {
	if r.URL.Path == "/signout" {
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm() == nil && r.PostForm.Get("op") == opSignOut
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: int(h.cfg.SessionTTL / time.Second)})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: -1})
}

// signInPage is the sign-in form, or the page of the administrator's
// one-time link: a button that posts the link's secret. It uses nothing
// up and says nothing of the secret, right or wrong: only the post does.
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	r, cancel := h.withTimeout(r)
	defer cancel()
	// same-origin, not no-referrer: the secret never leaves for another
	// site, and the button's post keeps its Origin (no-referrer makes it
	// "null" over plain http, which CrossOriginProtection refuses).
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	h.render(w, r, nil, http.StatusOK, "signin", signInData{Next: localPath(q.Get("next")), OneTime: q.Get("token"), Admin: h.cfg.Admin})
}

// useOneTime consumes the administrator's one-time secret if it is s.
func (h *Handler) useOneTime(s string) bool {
	h.once.Lock()
	defer h.once.Unlock()
	if h.oneTime == "" || subtle.ConstantTimeCompare([]byte(s), []byte(h.oneTime)) != 1 {
		return false
	}
	if !h.cfg.Now().Before(h.oneUntil) {
		h.oneTime = "" // expired: never again
		return false
	}
	h.oneTime = ""
	return true
}

type signInData struct {
	Next    string
	Error   string
	OneTime string // the one-time link's secret, which the page's button posts
	Admin   string
	Notice  string // what a sign-out did first (saved the steps typed)
}

// signIn signs in with the one-time secret (the field "once", from the
// link's page) or with a bearer token of the environment ("token").
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r, cancel := h.withTimeout(r)
	defer cancel()
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, nil, errorf(http.StatusBadRequest, "Bad form", "The form could not be read: %v.", err))
		return
	}
	next := localPath(r.PostForm.Get("next"))
	if r.PostForm.Has("once") {
		h.signInOnce(w, r, r.PostForm.Get("once"), next)
		return
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	user, err := h.eng.Authenticate(r.Context(), token)
	if errors.Is(err, engine.ErrUnauthenticated) || err == nil && user == "" {
		h.render(w, r, nil, http.StatusUnauthorized, "signin", signInData{Next: next,
			Error: "That token is unknown or revoked, or its user is disabled. bpfc user token NAME --env E prints a new one."})
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	session, _, err := h.eng.As(user).IssueSession(r.Context(), user)
	if err != nil {
		h.render(w, r, nil, statusOf(err), "signin", signInData{Next: next, Error: "Cannot sign in: " + err.Error()})
		return
	}
	h.setCookie(w, r, session)
	http.Redirect(w, r, cmp.Or(next, "/"), http.StatusSeeOther)
}

// signInOnce signs the administrator in with the one-time secret, using
// it up.
func (h *Handler) signInOnce(w http.ResponseWriter, r *http.Request, secret, next string) {
	if !h.useOneTime(secret) {
		h.render(w, r, nil, http.StatusForbidden, "signin", signInData{Next: next,
			Error: "This sign-in link is wrong, was used already or has expired: it works once, within 15 minutes of the server's start. Restart bpfc serve for a new one, or sign in with a token from bpfc user token."})
		return
	}
	token, _, err := h.eng.As(h.cfg.Admin).IssueSession(r.Context(), h.cfg.Admin)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.setCookie(w, r, token)
	http.Redirect(w, r, cmp.Or(next, "/"), http.StatusSeeOther)
}

// signOut revokes the session's token.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	h.endSession(w, r, nil)
}

// endSession revokes the session's token; saved is what the stage form's
// Sign out saved first (nil when nothing), said on the sign-in page the
// answer is: a redirect's cookie would not reach it, signed out.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request, saved *flash) {
	rs := current(r)
	tk, err := h.token(r.Context(), engine.HashToken(rs.token))
	if err == nil {
		err = rs.s.RevokeToken(r.Context(), tk.ID)
	}
	if err != nil {
		h.fail(w, r, rs, err)
		return
	}
	h.forget(rs.token)
	h.clearCookie(w, r)
	if saved != nil {
		w.Header().Set("Cache-Control", "no-store")
		h.render(w, r, nil, http.StatusOK, "signin", signInData{Admin: h.cfg.Admin, Notice: saved.Text + " You are signed out."})
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// localPath keeps a "next" address only when it is a path of this site.
// Browsers drop tabs and newlines from a URL and read a backslash as a
// slash, so "/\t/evil.example" would leave the site: a path with any
// control character or backslash is refused whole.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/signin") ||
		strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return ""
	}
	return p
}

// signOutPage answers /signout typed or followed as a link: signing out
// is the header's button (a post with the form token, so that another
// site cannot sign a user out), which this page has as every page does.
func (h *Handler) signOutPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	h.fail(w, r, current(r), errorf(http.StatusMethodNotAllowed, "Sign out",
		"Signing out is a button, not a link: press Sign out at the top of this page."))
}
