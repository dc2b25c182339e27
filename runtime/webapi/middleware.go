package webapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// reqInfo is what the request log says beyond the request line: filled in
// by the handlers as they learn it.
type reqInfo struct {
	user string
	by   string // the token's user, when it acts on behalf of user
	code string // the error code, when the response is an error
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logged writes one structured line per request.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{}
		sw := &statusWriter{ResponseWriter: w}
		// An answer echoes request text (an unknown path, a property
		// named): a browser must never read it as anything but its type,
		// on an origin the web pages' cookies share.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// Each connection is a client the store may expect back (store.WithClient).
		ctx := store.WithClient(context.WithValue(r.Context(), infoKey{}, ri), r.RemoteAddr)
		next.ServeHTTP(sw, r.WithContext(ctx))
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes), slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		}
		if ri.user != "" {
			attrs = append(attrs, slog.String("user", ri.user))
		}
		if ri.by != "" {
			attrs = append(attrs, slog.String("by", ri.by))
		}
		if ri.code != "" {
			attrs = append(attrs, slog.String("error", ri.code))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// recovered turns a panic into a 500 and logs it.
func (s *Server) recovered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, "InternalError", "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// maxHeaderBytes bounds a request's headers, maxPathBytes its path (the
// API bounds its query string by Limits.MaxQuery).
const (
	maxHeaderBytes = 64 << 10
	maxPathBytes   = 64 << 10
)

// bounded refuses a request whose headers (431) or path (414) are longer
// than the server takes, in JSON as every other refusal: Go's server
// reads up to maxRequestHead, and would answer beyond it in plain text.
func (s *Server) bounded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len(r.Host)
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4 // ": " and CRLF
			}
		}
		path, _, _ := strings.Cut(r.RequestURI, "?")
		switch {
		case n > maxHeaderBytes:
			s.fail(w, r, errorf(http.StatusRequestHeaderFieldsTooLarge, "TooLarge", "the request's headers are longer than %d bytes", maxHeaderBytes))
		case len(path) > maxPathBytes:
			s.fail(w, r, errorf(http.StatusRequestURITooLong, "TooLarge", "the URL's path is longer than %d bytes", maxPathBytes))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

type sessionKey struct{}

// session is the acting user's engine session.
func session(r *http.Request) *engine.Session {
	return r.Context().Value(sessionKey{}).(*engine.Session)
}

// bearer reads the token of an Authorization header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authed authenticates the request's bearer token, bounds its body, query
// and time, and runs h as the token's user.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lim := s.cfg.Limits
		maxBody, timeout := lim.MaxBody, lim.RequestTimeout
		if r.URL.Path == Prefix+"ImportSolution" {
			maxBody, timeout = lim.MaxImport, lim.ImportTimeout
		}
		if queryLength(r.URL.RawQuery) > lim.MaxQuery {
			s.fail(w, r, errorf(http.StatusRequestURITooLong, "TooLarge", "the query string is longer than %d bytes", lim.MaxQuery))
			return
		}
		if strings.Contains(r.URL.RawQuery, ";") {
			// OData separates an $expand's own options with ';', which
			// Go's query parsing would drop with the option.
			r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, ";", "%3B")
		}
		if r.URL.RawQuery != "" {
			if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
				// A bad escape would drop its option ($filter) silently:
				// the request would act on every row.
				s.fail(w, r, badRequest("the query string is not valid (%v): escape %% as %%25", err))
				return
			}
		}
		if n := len(r.Header.Values("Authorization")); n > 1 {
			// Which credential acts would be the server's guess (the
			// first, a proxy's or the client's): refused as RFC 6750's
			// invalid_request, a request with more than one token.
			w.Header().Set("WWW-Authenticate", `Bearer realm="bpfc", error="invalid_request"`)
			s.fail(w, r, badRequest("the request has %d Authorization headers: send one, Authorization: Bearer <token>", n))
			return
		}
		if n := len(r.Header.Values(CallerIDHeader)); n > 1 {
			// As with two tokens: the request would act as the first user.
			s.fail(w, r, badRequest("the request has %d %s headers: send one, the user to act for", n, CallerIDHeader))
			return
		}
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bpfc"`)
			s.fail(w, r, errorf(http.StatusUnauthorized, "Unauthorized", "send Authorization: Bearer <token> (bpfc user token NAME --env E prints one)"))
			return
		}
		r, cancel := withTimeout(r, timeout)
		defer cancel()
		user, err := s.authenticate(r.Context(), token)
		var disabled *engine.DisabledError
		if errors.As(err, &disabled) {
			// As Dataverse answers a disabled user: refused (403), not
			// unknown; the same answer the engine gives a token of the
			// user that the cache still holds.
			s.fail(w, r, &engine.ForbiddenError{User: disabled.User, Reason: "is disabled"})
			return
		}
		if errors.Is(err, engine.ErrUnauthenticated) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bpfc", error="invalid_token"`)
			msg := "the bearer token is unknown or revoked, or its user is gone"
			if engine.IsSessionToken(token) {
				// A web pages' cookie, which is good for the pages only.
				msg = "the bearer token is a web sign-in's session token (bpfcs_…), which only the web pages take: send a token of bpfc user token NAME --env E"
			}
			s.fail(w, r, errorf(http.StatusUnauthorized, "Unauthorized", "%s", msg))
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		info(r).user = user
		if r.Header.Get("CallerObjectId") != "" {
			// Never ignored: the request would run as the token's user.
			s.fail(w, r, badRequest("CallerObjectId (a Microsoft Entra object id) is not supported: name the user with %s (systemuserid or name)", CallerIDHeader))
			return
		}
		if caller := strings.Trim(r.Header.Get(CallerIDHeader), "{} "); caller != "" {
			// Dataverse's impersonation: the token's user acts for
			// another, with that user's roles.
			acting, err := s.eng.As(user).OnBehalfOf(r.Context(), caller)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			info(r).user, info(r).by, user = acting, user, acting
		}
		if r.URL.Path != Prefix+"$metadata" && !acceptsJSON(r) {
			// Before anything runs: a write would be made, then answered 406.
			s.fail(w, r, notAcceptable(r))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		// Every answer of the API says its protocol, a 204 too.
		w.Header().Set("OData-Version", "4.0")
		ctx := context.WithValue(r.Context(), sessionKey{}, s.eng.As(user))
		h(w, r.WithContext(ctx))
	})
}
