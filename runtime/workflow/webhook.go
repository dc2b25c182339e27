package workflow

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// webhookCall is a webhook step's request, prepared inside the transaction
// (URL and record as they are then) and posted outside it when the run is
// a background job.
type webhookCall struct {
	url *url.URL
	// shown is the URL as messages (and so job errors, kept in the
	// store) show it: without credentials or query, and a URL that a
	// secret gives only by the secret's name.
	shown string
	// secret says that a secret gives the URL: a failure is then told by
	// its kind only, never with its answer or its network error, which
	// can repeat the URL's path or host.
	secret  bool
	body    []byte
	headers http.Header
}

// webhook prepares the POST of a webhook step: the record as JSON, with
// headers that name the workflow, step, record and an idempotency key that
// stays the same across retries: a job's, and a realtime run's when the
// store runs the transition's transaction again after losing a race (the
// engine operation's id and the webhook's place among the run's posts).
func (x *execution) webhook(wf *compiler.Workflow, t store.Table, row store.Row, st *compiler.WorkflowStep, index int) (*webhookCall, error) {
	v, err := x.eval(st.Values["url"], row)
	if err != nil {
		return nil, err
	}
	raw, _ := v.(string)
	if strings.TrimSpace(raw) == "" {
		if sv := secretIn(st.Values["url"]); sv != nil {
			return nil, fmt.Errorf("the url is empty: %s", x.unopenedSecret(sv))
		}
		return nil, fmt.Errorf("the url is empty")
	}
	shown, what := redact(raw), "the url "+strconv.Quote(redact(raw))
	sv := secretIn(st.Values["url"])
	if sv != nil {
		shown, what = "(the url in secret "+sv.Name+")", "the url in secret "+sv.Name
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, permanent(fmt.Errorf("%s is not an http or https URL", what))
	}
	body, err := json.Marshal(recordJSON(row))
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "bpfc-workflow")
	h.Set("X-Bpfc-Workflow", wf.Name)
	h.Set("X-Bpfc-Step", st.Name)
	h.Set("X-Bpfc-Table", t.Name)
	h.Set("X-Bpfc-Record", fmt.Sprint(row[t.PrimaryKey]))
	if x.src.instanceID != "" {
		h.Set("X-Bpfc-Instance", x.src.instanceID)
	}
	key := uuid.NewString()
	x.posts++
	switch {
	case x.src.jobID != 0:
		h.Set("X-Bpfc-Job", strconv.FormatInt(x.src.jobID, 10))
		key = fmt.Sprintf("bpfc-job-%d-step-%d", x.src.jobID, index)
	case x.src.op != "":
		key = fmt.Sprintf("bpfc-op-%s-%d", x.src.op, x.posts)
	}
	h.Set("Idempotency-Key", key)
	return &webhookCall{url: u, shown: shown, secret: sv != nil, body: body, headers: h}, nil
}

// post sends a webhook; any answer but 2xx is an error.
func (r *Runner) post(ctx context.Context, c *webhookCall) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url.String(), bytes.NewReader(c.body))
	if err != nil {
		return "", err
	}
	req.Header = c.headers.Clone()
	resp, err := r.o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL may carry a secret in the query
		}
		switch {
		case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
			err = fmt.Errorf("no answer within %v", r.o.WebhookTimeout)
		case c.secret:
			err = errors.New(failureKind(err))
		}
		return "", fmt.Errorf("POST %s: %w", c.shown, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := strings.TrimSpace(string(answer))
		switch {
		case c.secret && msg != "":
			msg = " (its answer is not shown: it may repeat the secret url)"
		case msg != "":
			msg = ": " + strings.Join(strings.Fields(msg), " ")
		}
		return "", fmt.Errorf("POST %s answered %s%s", c.shown, resp.Status, msg)
	}
	return "POST " + c.shown + " " + resp.Status, nil
}

// failureKind says what kind of network failure err is, in words that
// repeat nothing of the URL.
func failureKind(err error) string {
	var dns *net.DNSError
	var tlsErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &dns):
		return "its host was not found"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before an answer"
	case errors.As(err, &tlsErr):
		return "its TLS certificate was not accepted"
	case errors.Is(err, errRedirect):
		return "a redirect was refused (5 at most, to the same host, over http or https)"
	}
	return "the request failed (the network error is not shown: it may repeat the secret url)"
}

// sameHostRedirects follows up to 5 redirects over http or https, and only
// to the host the webhook named.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	switch {
	case len(via) >= 5:
		return fmt.Errorf("stopped after 5 redirects%w", store.Silent(errRedirect))
	case req.URL.Scheme != "http" && req.URL.Scheme != "https":
		return fmt.Errorf("refused a redirect to a %s URL%w", req.URL.Scheme, store.Silent(errRedirect))
	case !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()):
		return fmt.Errorf("refused a redirect to another host (%s)%w", req.URL.Hostname(), store.Silent(errRedirect))
	}
	return nil
}

// errRedirect is what sameHostRedirects' refusals are (errors.Is).
var errRedirect = errors.New("redirect refused")

// secretIn is the secret variable an expression reads, or nil: any part
// of a URL a secret gives may be the secret (a token in the path, as chat
// services hand them out), so messages show none of it.
func secretIn(e compiler.Expr) *compiler.Variable {
	for _, ref := range compiler.VarRefs(e) {
		if ref.Var != nil && ref.Var.Type == compiler.VarSecret {
			return ref.Var
		}
	}
	return nil
}

// unopenedSecret says why secret variable v gives no value here. A
// secret that this process cannot open reads as none (the engine's
// variables leave it out), which on a server beside others, or after a CI
// deploy straight to a shared store, is a key that differs from the one
// that sealed it: say so, rather than only "the url is empty".
func (x *execution) unopenedSecret(v *compiler.Variable) string {
	name := v.Name
	// By schema name: another solution in the environment may define a
	// variable of the same short name, with a value of its own or none.
	var def *store.VariableDefinition
	if defs, err := x.tx.VariableDefinitions(); err == nil {
		for i := range defs {
			if strings.EqualFold(defs[i].SchemaName, v.SchemaName) {
				def = &defs[i]
			}
		}
	}
	if def == nil {
		return "secret " + name + " is not defined in this environment"
	}
	val, err := x.tx.VariableValue(def.SchemaName)
	if err != nil || len(val.Sealed) == 0 {
		return "secret " + name + " has no value in this environment: set " + v.EnvVarHint() + " where bpfc deploy runs"
	}
	why := "this process has no secret key"
	if x.r.o.Keyring != nil {
		env, err := x.r.envName(x.ctx)
		if err != nil {
			return "secret " + name + " could not be opened: " + err.Error()
		}
		if _, err := x.r.o.Keyring.Open(val.Sealed, env+"/"+def.SchemaName); err != nil {
			why = err.Error()
		} else {
			return "secret " + name + " opens, yet gives an empty url"
		}
	}
	return "secret " + name + " cannot be opened here (" + why + "): the process that runs the workflow needs the key that sealed it, " +
		"the one where the deploy that set it ran; give every server of the environment, and a CI that deploys straight to its store, the same " + secret.EnvKey
}

// redact is a URL without credentials or query.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
