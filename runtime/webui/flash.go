package webui

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Post/Redirect/Get: a form post changes something through the engine and
// answers with a redirect to the page it came from; what happened (done,
// refused and why, changed by someone else) travels to that page in a
// short-lived cookie, read once. It works on any server of a scale-out and
// with JavaScript off.

const flashCookie = "bpfc_flash"

// flash is the outcome of a form post, shown on the next page.
type flash struct {
	Kind     string            `json:"k"` // ok, error or conflict
	Text     string            `json:"t"`
	Instance string            `json:"i,omitempty"` // the instance it concerns
	Stage    string            `json:"s,omitempty"` // the stage a refusal is about
	Steps    []string          `json:"st,omitempty"`
	Fields   map[string]string `json:"f,omitempty"`  // by column: why its value was refused
	Values   map[string]string `json:"v,omitempty"`  // by column: what was posted, kept after a refusal
	Op       string            `json:"o,omitempty"`  // the move refused (next, finish, action:NAME)
	Saved    bool              `json:"sv,omitempty"` // the steps were saved before the move was refused
	User     string            `json:"u,omitempty"`  // whose post it answers: another user's page does not show it
	Page     string            `json:"p,omitempty"`  // with Values: the page (path) they belong to

	// Typed is what the user typed into a stage form whose post was
	// refused before it was saved, with the table and record the values
	// are of. Never in the cookie: that page is the post's own answer
	// (typedAnswer), so the values neither hit the cookie's size limit nor
	// reach another page or user.
	Typed       []typedValue `json:"-"`
	TypedTable  string       `json:"-"`
	TypedRecord string       `json:"-"`
}

// typedValue is one value a user typed that was not saved.
type typedValue struct {
	Column, Label, Text string
}

// moveError is a move of the stage form that failed: the operation and
// whether the steps posted with it were saved first.
type moveError struct {
	op    string
	saved bool
	err   error
}

func (e *moveError) Error() string {
	if e.saved {
		return e.err.Error() + " (the steps were saved)"
	}
	return e.err.Error()
}

func (e *moveError) Unwrap() error { return e.err }

// listed joins names as a sentence does: "A", "A and B", "A, B and C".
func listed(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// fieldsText is what the page says above a form whose values did not
// fit: each field by its label, as beside it.
func fieldsText(fields []field) string {
	var parts []string
	for _, fd := range fields {
		if fd.Error != "" {
			parts = append(parts, fd.Label+": "+fd.Error)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Check the marked fields. " + strings.Join(parts, "; ") + "."
}

// maxFlash bounds the cookie: browsers keep 4 KB per cookie.
const maxFlash = 3500

func (h *Handler) setFlash(w http.ResponseWriter, r *http.Request, f *flash) {
	enc := func() string {
		b, _ := json.Marshal(f)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	if rs := current(r); rs != nil {
		f.User = rs.user
	}
	v := enc()
	if len(v) > maxFlash {
		f.Values = nil
		v = enc()
	}
	for len(v) > maxFlash && len(f.Text) > 200 {
		cut := len(f.Text) / 2
		for cut > 0 && !utf8.RuneStart(f.Text[cut]) {
			cut-- // not inside a character: its half would show as U+FFFD
		}
		f.Text = f.Text[:cut] + "…"
		v = enc()
	}
	if len(v) > maxFlash {
		f.Fields, f.Steps = nil, nil
		v = enc()
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: 60})
}

// takeFlash reads the flash of the request and clears it.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: -1})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || f.Text == "" {
		return nil
	}
	if rs := current(r); rs == nil || f.User != rs.user {
		// Left by another user's post in this browser (signed out
		// since): not theirs to see.
		return nil
	}
	if f.Page != r.URL.Path {
		// The values typed in a form belong to that form's page only.
		f.Values = nil
	}
	switch f.Kind {
	case "ok", "error", "conflict":
	default:
		f.Kind = "error"
	}
	return &f
}
