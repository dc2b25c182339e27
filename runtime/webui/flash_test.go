package webui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFlashCutsWholeCharacters: a message too long for the cookie is cut
// between characters, so that the page shows no U+FFFD where one was
// halved.
func TestFlashCutsWholeCharacters(t *testing.T) {
	h := &Handler{}
	as := func(r *http.Request) *http.Request {
		return r.WithContext(context.WithValue(r.Context(), ctxKey{}, &reqSession{user: "ana"}))
	}
	for _, text := range []string{strings.Repeat("é", 3001), "a" + strings.Repeat("€", 2001), strings.Repeat("𝄞x", 1001)} {
		w := httptest.NewRecorder()
		h.setFlash(w, as(httptest.NewRequest("POST", "/", nil)), &flash{Kind: "error", Text: text})
		r := as(httptest.NewRequest("GET", "/", nil))
		for _, c := range w.Result().Cookies() {
			r.AddCookie(c)
		}
		f := h.takeFlash(httptest.NewRecorder(), r)
		if f == nil || !strings.HasSuffix(f.Text, "…") || len(f.Text) >= len(text) {
			t.Fatalf("a long message was not cut: %+v", f)
		}
		if !utf8.ValidString(f.Text) || strings.ContainsRune(f.Text, utf8.RuneError) {
			t.Errorf("the cut message has a halved character: %q", f.Text[len(f.Text)-12:])
		}
	}
}
