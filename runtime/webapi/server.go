package webapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Prefix is where the API lives.
const Prefix = "/api/data/v9.2/"

// CallerIDHeader names the user a system administrator's request acts for
// (Dataverse's impersonation header): a systemuserid, or in bpfc a user's
// name too.
const CallerIDHeader = "MSCRMCallerID"

// Limits bound what one request may cost.
type Limits struct {
	MaxBody        int64         // bytes of a request body; default 1 MiB
	MaxImport      int64         // bytes of an ImportSolution body; default 256 MiB
	RequestTimeout time.Duration // per request; default 30 s
	ImportTimeout  time.Duration // per import; default 10 min
	MaxPageSize    int           // rows per page; default (and Dataverse's) 5000
	MaxQuery       int           // bytes of a query string, its $skiptoken aside; default 32 KiB, Dataverse's URL limit
}

func (l *Limits) defaults() {
	if l.MaxBody <= 0 {
		l.MaxBody = 1 << 20
	}
	if l.MaxImport <= 0 {
		l.MaxImport = 256 << 20
	}
	if l.RequestTimeout <= 0 {
		l.RequestTimeout = 30 * time.Second
	}
	if l.ImportTimeout <= 0 {
		l.ImportTimeout = 10 * time.Minute
	}
	if l.MaxPageSize <= 0 {
		l.MaxPageSize = 5000
	}
	if l.MaxQuery <= 0 {
		l.MaxQuery = 32 << 10
	}
}

// Config configures a Server.
type Config struct {
	// Store is the environment served; the caller closes it.
	Store store.Store
	// Engine runs the environment; its Options.Hooks must include Guard
	// (New builds the engine with it when Engine is nil).
	Engine *engine.Engine
	// EngineOptions configure the engine New builds (Hooks are wrapped
	// with Guard).
	EngineOptions engine.Options
	// Project and Env are the served environment's project and name: what
	// ImportSolution deploys with (the environment's flavour, values,
	// promote_from gate and keys). Without them imports are refused.
	Project *compiler.Project
	Env     string
	// Getenv reads BPFC_VAR_* for imports (os.Getenv when nil).
	Getenv func(string) string
	// Logger receives one structured line per request (discarded when nil).
	Logger *slog.Logger
	Limits Limits
	// AuthCacheTTL is how long a token's user is remembered (default 2 s;
	// negative: not at all). A revoked token stops working within it.
	AuthCacheTTL time.Duration
	// Abandon, closed during a shutdown, ends it at once: the requests in
	// flight are cut off (their transactions roll back) and the workers'
	// jobs in hand go back to the queue (nil: the shutdown runs its course).
	Abandon <-chan struct{}
}

// Server serves one environment.
type Server struct {
	cfg  Config
	eng  *engine.Engine
	log  *slog.Logger
	mux  *http.ServeMux
	h    http.Handler
	auth authCache
	sets setCache

	pages atomic.Pointer[http.Handler] // what serves paths outside the API (SetPages)
}

// New returns the server of an environment.
func New(cfg Config) *Server {
	cfg.Limits.defaults()
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.AuthCacheTTL == 0 {
		cfg.AuthCacheTTL = 2 * time.Second
	}
	s := &Server{cfg: cfg, eng: cfg.Engine, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.eng == nil {
		o := cfg.EngineOptions
		o.Hooks = Guard(o.Hooks)
		s.eng = engine.New(gated(cfg.Store), o)
	}
	s.routes()
	s.h = s.logged(s.recovered(s.bounded(olderVersions(s.mux))))
	return s
}

// prefixKey holds, in a request's context, the API path an older version's
// request came in on.
type prefixKey struct{}

// olderPrefixes are the API's earlier paths, which Dataverse serves alike
// and older samples use.
var olderPrefixes = []string{"/api/data/v9.0/", "/api/data/v9.1/"}

// olderVersions serves olderPrefixes as Prefix.
func olderVersions(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, old := range olderPrefixes {
			if rest, ok := strings.CutPrefix(r.URL.Path, old); ok {
				// Links in the answers (OData-EntityId, @odata.nextLink)
				// keep the version the client asked for.
				r2 := r.Clone(context.WithValue(r.Context(), prefixKey{}, old))
				r2.URL.Path, r2.URL.RawPath = Prefix+rest, ""
				h.ServeHTTP(w, r2)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// Engine is the engine the server runs.
func (s *Server) Engine() *engine.Engine { return s.eng }

// SetPages serves h on every path outside the API and /healthz (the web
// pages for people, runtime/webui); the request log and panic recovery
// cover it too. Without it those paths are a JSON 404.
func (s *Server) SetPages(h http.Handler) { s.pages.Store(&h) }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.h }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.Handle("GET "+Prefix+"{$}", s.authed(s.serviceDocument))
	m.Handle("GET "+Prefix+"$metadata", s.authed(s.metadata))
	// The actions of the operations table (operations.go); get serves its
	// functions.
	for i := range operations {
		if op := &operations[i]; op.Action {
			m.Handle("POST "+Prefix+op.Name, s.authed(func(w http.ResponseWriter, r *http.Request) { op.serve(s, w, r, op, "") }))
		}
	}
	m.Handle("POST "+Prefix+"$batch", s.authed(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errorf(http.StatusNotImplemented, "NotImplemented", "$batch is not supported: send the requests one by one"))
	}))
	for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
		m.Handle(method+" "+Prefix+"$batch", s.authed(func(w http.ResponseWriter, r *http.Request) {
			// Not an entity set named "$batch": its method is the wrong one.
			w.Header().Set("Allow", http.MethodPost)
			s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "$batch takes POST (which bpfc answers 501: it is not supported), not %s", r.Method))
		}))
	}
	m.Handle("GET "+Prefix+"{seg}", s.authed(s.expanding(s.get)))
	m.Handle("POST "+Prefix+"{seg}", s.authed(s.post))
	m.Handle("PATCH "+Prefix+"{seg}", s.authed(s.patch))
	m.Handle("DELETE "+Prefix+"{seg}", s.authed(s.delete))
	// Paths below a row (a single property, $count, $ref, a navigation
	// property) are Dataverse's but not bpfc's: a JSON error that says what
	// to use, never the web pages' HTML.
	m.Handle(Prefix+"{seg}/{rest...}", s.authed(func(w http.ResponseWriter, r *http.Request) {
		if rest := r.PathValue("rest"); rest == "" || strings.HasSuffix(rest, "/") {
			// accounts/ names no resource of its own, nor does
			// EntityDefinitions(…)/ or GlobalOptionSetDefinitions/: checked
			// before the metadata paths so that every path ending in '/'
			// gets the same answer (they were a 501, a 400 or the list).
			p := r.PathValue("seg") + "/" + rest
			s.fail(w, r, errorf(http.StatusNotFound, "NotFound",
				"no resource %s: the path ends in '/'; drop the trailing slash, %s%s", p, baseURL(r), strings.TrimSuffix(p, "/")))
			return
		}
		switch name, _, _ := splitKeyRaw(r.PathValue("seg")); {
		case name == "EntityDefinitions" && r.Method == http.MethodGet:
			s.attributeDefinitions(w, r, r.PathValue("seg"), r.PathValue("rest"))
			return
		case name == "GlobalOptionSetDefinitions" && r.Method == http.MethodGet:
			s.globalOptionSets(w, r, r.PathValue("seg"), r.PathValue("rest"))
			return
		}
		if nav, ok := strings.CutSuffix(r.PathValue("rest"), "/$ref"); ok && s.singleValuedRef(w, r, r.PathValue("seg"), nav) {
			return
		}
		s.fail(w, r, errorf(http.StatusNotImplemented, "NotImplemented",
			"%s/%s: paths below an entity set or row are not supported; use $select for a property, $expand or $filter on a lookup's _<column>_value for related rows, @odata.bind to set a lookup",
			r.PathValue("seg"), r.PathValue("rest")))
	}))
	// Another method is a 405 naming the ones the path takes, once the
	// request is authenticated: without a token every request is a 401.
	m.Handle(Prefix+"{seg}", s.authed(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allowFor(r))
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is not allowed here", r.Method))
	}))
	m.Handle(Prefix+"{$}", s.authed(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodGet)
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "the service document takes GET, not %s", r.Method))
	}))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if p := s.pages.Load(); p != nil {
			(*p).ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusNotFound, "NotFound", "no resource "+r.URL.Path+"; the API is under "+Prefix)
	})
	s.mux = m
}

// withTimeout bounds a request's work.
func withTimeout(r *http.Request, d time.Duration) (*http.Request, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(r.Context(), d)
	return r.WithContext(ctx), cancel
}
