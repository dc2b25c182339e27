package webui

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the pages of one environment.
type Config struct {
	// Engine runs the environment: every change goes through it (the Web
	// API server's, webapi.Server.Engine, so that its hooks run).
	Engine *engine.Engine
	// Store is the environment the engine runs: the pages read reports
	// and sign-in tokens from it.
	Store store.Store
	// Admin is the user the one-time sign-in link signs in ("admin" by
	// default, the administrator every environment starts with).
	Admin string
	// SessionTTL is how long a sign-in lasts (12 hours by default).
	SessionTTL time.Duration
	// SignInTTL is how long the one-time sign-in link works after New (15
	// minutes by default), so that the links servers print to their logs
	// do not stay keys to the environment.
	SignInTTL time.Duration
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Logger receives errors the pages could only show as "internal
	// error" (discarded when nil).
	Logger *slog.Logger
	// MaxForm bounds a posted form's body (64 KiB by default).
	MaxForm int64
	// RequestTimeout bounds one request's work (30 s by default).
	RequestTimeout time.Duration
}

// Handler serves the pages.
type Handler struct {
	cfg    Config
	eng    *engine.Engine
	log    *slog.Logger
	models models
	pages  pages
	h      http.Handler

	once     sync.Mutex
	oneTime  string    // the administrator's one-time sign-in secret; "" once used
	oneUntil time.Time // when the secret stops working
	sessions sessionCache
}

// New returns the pages of an environment, with a fresh one-time sign-in
// secret for the administrator (SignInPath).
func New(cfg Config) (*Handler, error) {
	if cfg.Engine == nil || cfg.Store == nil {
		return nil, errors.New("webui: Config needs Engine and Store")
	}
	if cfg.Admin == "" {
		cfg.Admin = "admin"
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.SignInTTL <= 0 {
		cfg.SignInTTL = 15 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxForm <= 0 {
		cfg.MaxForm = 64 << 10
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	h := &Handler{cfg: cfg, eng: cfg.Engine, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	h.oneTime = base64.RawURLEncoding.EncodeToString(raw[:])
	h.oneUntil = cfg.Now().Add(cfg.SignInTTL)
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	h.h = h.routes()
	return h, nil
}

// SignInPath is the administrator's one-time sign-in link, relative to the
// server's address: /signin?token=…. Opening it shows a "Sign in as"
// button and uses nothing up; the button's post signs in, once, within
// Config.SignInTTL.
func (h *Handler) SignInPath() string {
	h.once.Lock()
	defer h.once.Unlock()
	return "/signin?token=" + url.QueryEscape(h.oneTime)
}

// ServeHTTP serves the pages.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

func (h *Handler) routes() http.Handler {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	m.Handle("GET /static/", http.StripPrefix("/static/", cached(files)))
	m.HandleFunc("GET /signin", h.signInPage)
	m.HandleFunc("POST /signin", h.signIn)
	m.Handle("POST /signout", h.authed(h.signOut))
	m.Handle("GET /signout", h.authed(h.signOutPage))
	m.Handle("GET /{$}", h.authed(h.home))
	m.Handle("GET /records/{table}", h.authed(h.records))
	m.Handle("POST /records/{table}", h.authed(h.createRecord))
	m.Handle("GET /records/{table}/{id}", h.authed(h.record))
	m.Handle("POST /records/{table}/{id}/process", h.authed(h.process))
	m.Handle("POST /records/{table}/{id}/start", h.authed(h.start))
	m.Handle("GET /flows/{flow}", h.authed(h.flow))
	m.Handle("GET /flows/{flow}/graph.svg", h.authed(h.flowGraph))
	m.Handle("GET /flows/{flow}/report", h.authed(h.flowReport))
	m.Handle("GET /flows/{flow}/instances", h.authed(h.detachedList))
	m.Handle("GET /flows/{flow}/instances/{id}", h.authed(h.instance))
	m.Handle("POST /flows/{flow}/instances/{id}", h.authed(h.instanceOp))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, nil, errorf(http.StatusNotFound, "Page not found", "There is no page at %s.", r.URL.Path))
	})
	// Forms post only from these pages: a browser's cross-origin POST is
	// refused before any handler runs (Sec-Fetch-Site and Origin), and
	// every form of a signed-in user also carries the session's token.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, nil, errorf(http.StatusForbidden, "Refused", "This form was posted from another site; it was refused."))
	}))
	return secured(cop.Handler(m))
}

// secured sets the headers every page has and bounds its work.
func secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "SAMEORIGIN")
		next.ServeHTTP(w, r)
	})
}

// cached serves the embedded files (not their directory) for an hour.
func cached(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// withTimeout bounds a request's work.
func (h *Handler) withTimeout(r *http.Request) (*http.Request, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.RequestTimeout)
	return r.WithContext(ctx), cancel
}
