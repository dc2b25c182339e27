package webui

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
)

// The pages are html/template documents: one layout (templates/layout.html)
// around one page each, parsed once.

type pages map[string]*template.Template

var pageNames = []string{"home", "records", "record", "instance", "detached", "flow", "signin", "error"}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
	"add":    func(a, b int) int { return a + b },
	"lower":  strings.ToLower,
	"status": statusReason,
}

// statusReason is an instance's state as Dataverse's status reason says it.
func statusReason(state string) string {
	switch state {
	case engine.StateActive:
		return "Active"
	case engine.StateFinished:
		return "Finished"
	case engine.StateAborted:
		return "Aborted"
	}
	return state
}

func parsePages() (pages, error) {
	out := pages{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/fields.html", "templates/process.html",
			"templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// layout is what every page gets: the page's own data in Page.
type layout struct {
	Title  string
	Env    string
	User   string
	CSRF   string
	Flash  *flash
	Page   any
	Status int
	// Typing: the page has a stage form the user may type in, so the top
	// bar's ways out are buttons of that form (leave.go), as the page's own.
	Typing bool
}

// typingPage is page data that may hold a stage form the user types in.
type typingPage interface{ typing() bool }

// titled is page data that names its page.
type titled interface{ title() string }

func (signInData) title() string  { return "Sign in" }
func (e errorData) title() string { return e.Title }

// render writes a page with its status; rs is nil for a signed-out page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, rs *reqSession, status int, name string, data any) {
	l := layout{Env: h.envName(r.Context()), Page: data, Status: status}
	if t, ok := data.(titled); ok {
		l.Title = t.title()
	}
	if rs != nil {
		l.User, l.CSRF = rs.user, rs.csrf
		if tp, ok := data.(typingPage); ok {
			l.Typing = tp.typing()
		}
		if pf, ok := data.(interface{ pageFlash() *flash }); ok {
			l.Flash = pf.pageFlash()
		} else if name != "error" {
			l.Flash = h.takeFlash(w, r)
		}
	}
	var b bytes.Buffer
	if err := h.pages[name].Execute(&b, l); err != nil {
		h.log.Error("page", "path", r.URL.Path, "template", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// envName is the served environment's name, read once.
func (h *Handler) envName(ctx context.Context) string {
	h.models.mu.Lock()
	if d := h.models.cur; d != nil {
		h.models.mu.Unlock()
		return d.env
	}
	h.models.mu.Unlock()
	if meta, err := h.cfg.Store.Meta(ctx); err == nil {
		return meta.Name
	}
	return ""
}
