package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// pageError is an error a page shows as it is, with its status.
type pageError struct {
	status int
	title  string
	text   string
	// link, when set, is the page likely meant, which the error page
	// offers as "Did you mean linkText?".
	link, linkText string
	meant          store.Table // unknownTable's: the table of link
}

func (e *pageError) Error() string { return e.text }

func errorf(status int, title, format string, args ...any) error {
	return &pageError{status: status, title: title, text: fmt.Sprintf(format, args...)}
}

// statusOf maps an engine error to an HTTP status.
func statusOf(err error) int {
	var pe *pageError
	var ref *engine.ErrRefused
	switch {
	case errors.As(err, &pe):
		return pe.status
	case errors.Is(err, engine.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, engine.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, engine.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, engine.ErrInvalid), errors.As(err, &ref):
		return http.StatusUnprocessableEntity
	case errors.Is(err, store.ErrBusy):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// titleOf is the heading of an error page.
func titleOf(err error, status int) string {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe.title
	}
	switch status {
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusNotFound:
		return "Not found"
	case http.StatusConflict:
		return "Changed by someone else"
	case http.StatusUnprocessableEntity:
		return "Refused"
	case http.StatusServiceUnavailable:
		return "Busy"
	case http.StatusGatewayTimeout:
		return "Too slow"
	}
	return "Something went wrong"
}

type errorData struct {
	Title, Text string
	Status      int
	// SignIn, when set, is the sign-in page's address that comes back to
	// the page the refused form was on.
	SignIn string
	// Link is the page likely meant, shown as LinkText ("" for none).
	Link, LinkText string
}

// fail shows an error page; an unexpected error is logged and shown
// without its details.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, rs *reqSession, err error) {
	if unreachable, refused := store.IsUnreachable(err), store.IsRefused(err); unreachable || refused {
		// As the Web API says it: nothing reached the database, and its
		// words (host, user) are for the log, not the page. A move or an
		// action after Save had the steps saved first, in a transaction
		// of its own: only what followed was not done.
		done := "nothing was changed"
		var me *moveError
		if errors.As(err, &me) && me.saved {
			done = "what you typed in the steps was saved, nothing else was done"
		}
		if refused {
			// Its database refused the server's sign-in or database
			// name: trying again will not help, only whoever runs the
			// server can.
			h.log.Error("page: store refused the connection", "method", r.Method, "path", r.URL.Path, "error", err)
			err = &pageError{status: http.StatusInternalServerError, title: "Database refused the server",
				text: "The server's database refused its connection (its sign-in, its database name or its TLS settings): " + done + ". " +
					"Trying again will not help until that is corrected: tell whoever runs the server (its log says why)."}
		} else {
			h.log.Error("page: store unreachable", "method", r.Method, "path", r.URL.Path, "error", err)
			err = &pageError{status: http.StatusServiceUnavailable, title: "Database unreachable",
				text: "The server cannot reach its database just now: " + done + ". Try again in a moment; " +
					"if it lasts, tell whoever runs the server (its log says why)."}
		}
	}
	status := statusOf(err)
	text := err.Error()
	if pe := (*pageError)(nil); status == http.StatusInternalServerError && !errors.As(err, &pe) {
		h.log.Error("page", "method", r.Method, "path", r.URL.Path, "error", err)
		text = "The server could not show this page; its log says why."
	}
	data := errorData{Title: titleOf(err, status), Text: text, Status: status}
	if pe := (*pageError)(nil); errors.As(err, &pe) {
		data.Link, data.LinkText = pe.link, pe.linkText
	}
	h.render(w, r, rs, status, "error", data)
}
