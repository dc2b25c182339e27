package workflow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// A webhook whose URL a secret variable gives never shows any part of it:
// chat services put the token in the path, where redacting the query and
// credentials would leave it in job errors (kept in the store), job lists
// and logs. A URL from anywhere else shows without its query.
func TestWebhookMessagesHideSecretURLs(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens there any more
	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	t.Cleanup(refused.Close)
	// As Express answers an unknown path: the answer repeats the URL.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<pre>Cannot POST "+r.URL.Path+"</pre>", http.StatusNotFound)
	}))
	t.Cleanup(echo.Close)
	away := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.invalid"+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(away.Close)
	secret := &compiler.Variable{Name: "hook", Type: compiler.VarSecret}
	plain := &compiler.Variable{Name: "hook", Type: compiler.VarString}
	r := New(nil, Options{})
	wf := &compiler.Workflow{Name: "notify"}
	tbl := store.Table{Name: "lead", PrimaryKey: "leadid"}
	row := store.Row{"leadid": "l1"}
	for _, c := range []struct {
		v         *compiler.Variable
		url       string
		want, not string
	}{
		{secret, down.URL + "/services/T000/B000/XOXSECRET", "POST (the url in secret hook): ", "XOXSECRET"},
		{secret, refused.URL + "/services/T000/B000/XOXSECRET", "POST (the url in secret hook) answered 404", "XOXSECRET"},
		{secret, "ftp://host/XOXSECRET", "the url in secret hook is not an http or https URL", "XOXSECRET"},
		{secret, echo.URL + "/services/T000/B000/XOXSECRET", "POST (the url in secret hook) answered 404 Not Found (its answer is not shown", "XOXSECRET"},
		// The network error names the host, which the secret gives.
		{secret, "http://tenant-xoxsecret.invalid/hook", "POST (the url in secret hook): its host was not found", "xoxsecret"},
		{secret, away.URL + "/services/XOXSECRET", "POST (the url in secret hook): a redirect was refused", "XOXSECRET"},
		{plain, echo.URL + "/hooks/a", "answered 404 Not Found: <pre>Cannot POST /hooks/a</pre>", "XOXSECRET"},
		{plain, refused.URL + "/hooks/a?key=XOXSECRET", "POST " + refused.URL + "/hooks/a answered 404", "XOXSECRET"},
		{plain, "ftp://host/a?key=XOXSECRET", `the url "ftp://host/a" is not`, "XOXSECRET"},
	} {
		st := &compiler.WorkflowStep{Name: "hook", Kind: compiler.StepWebhook,
			Values: map[string]compiler.Expr{"url": &compiler.VarRef{Name: "hook", Var: c.v}}}
		x := &execution{r: r, ctx: context.Background(), vars: process.Vars{"hook": cty.StringVal(c.url)}}
		call, err := x.webhook(wf, tbl, row, st, 0)
		if err == nil {
			_, err = r.post(context.Background(), call)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), c.not) {
			t.Errorf("%s (%s): %v, want %q and no %q", c.url, c.v.Type, err, c.want, c.not)
		}
	}
}
