package webapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Client talks to a bpfc serve (or its Dataverse-shaped API): what the CLI
// uses for an environment with url = "http://…".
type Client struct {
	URL   string       // the server, e.g. http://127.0.0.1:8080 (the API prefix is added)
	Token string       // a bearer token (bpfc user token)
	HTTP  *http.Client // default: a client with a 10-minute timeout
	Env   string       // the environment's name, for messages the client makes itself
	// TokenHint is added to a 401's message: where the token came from and
	// how to get another (e.g. "set BPFC_TOKEN_TEST (or BPFC_TOKEN) …").
	TokenHint string
	// OnBehalfOf, when set, is the user the token's user acts for
	// (CallerIDHeader): a system administrator's token acting as another
	// user, with that user's roles.
	OnBehalfOf string
	// Timeout, when set, is how long each request waits for its whole
	// answer, in place of answerTimeout's: a CI step's bound (--timeout).
	Timeout time.Duration

	mu   sync.Mutex
	defs map[string]EntityDefinition // the tables, once read (Definitions)
}

// APIError is an error response of the API. A refusal carries the rule,
// the stage and the missing steps (with the record and columns that fill
// them).
type APIError struct {
	Status  int
	Code    string
	Message string
	Rule    string
	Stage   string
	Steps   []string
	Table   string
	Record  string
	Missing []engine.Missing
	// saysOutcome: an import's failure whose message is the import's own
	// saying whether anything was changed (a COMMIT whose connection was
	// lost, then read as not committed or unknown).
	saysOutcome bool
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d %s)", e.Message, e.Status, e.Code)
}

// SaysOutcome reports whether the message says whether anything was
// changed (deploy.SaysOutcome): the CLI prints it without adding "nothing
// was changed".
func (e *APIError) SaysOutcome() bool { return e.saysOutcome }

// Is makes errors.Is hold for the engine's and the store's errors that the
// status stands for: 404 store.ErrNotFound, 409 and 412 store.ErrConflict,
// 403 engine.ErrForbidden, 400 engine.ErrInvalid (but a refusal), 503 Busy
// store.ErrBusy.
func (e *APIError) Is(target error) bool {
	switch e.Status {
	case http.StatusNotFound:
		return target == store.ErrNotFound
	case http.StatusConflict, http.StatusPreconditionFailed:
		return target == store.ErrConflict
	case http.StatusForbidden:
		return target == engine.ErrForbidden
	case http.StatusBadRequest:
		return target == engine.ErrInvalid && e.Code != "Refused"
	case http.StatusServiceUnavailable:
		// The server's store stayed busy (classify's Busy): try again.
		return target == store.ErrBusy && e.Code == "Busy"
	}
	return false
}

// UserFacing reports whether the error is one the engine itself gives
// (a refusal, a forbidden operation, an unknown name, a conflict, a bad
// value): its Message then reads as the local command's.
func (e *APIError) UserFacing() bool {
	switch e.Status {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed:
		return true
	}
	return false
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// defaultHTTP gives up on a server that does not take the connection
// within 10 seconds; answerTimeout bounds the rest.
var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:               http.ProxyFromEnvironment,
	DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout: 10 * time.Second,
	MaxIdleConns:        10,
	IdleConnTimeout:     90 * time.Second,
}, CheckRedirect: sameOrigin}

// sameOrigin refuses a redirect to another scheme, host or port: a 307 or
// 308 sends the body again, and an import's carries the secrets' values,
// which the client sends only to an https or loopback url (private). A
// bpfc serve never redirects its API.
func sameOrigin(req *http.Request, via []*http.Request) error {
	from := via[0].URL
	if req.URL.Scheme != from.Scheme || !strings.EqualFold(req.URL.Host, from.Host) {
		return fmt.Errorf("the server redirected to %s://%s; bpfc follows no redirect to another place: set the environment's url to the one it points to",
			req.URL.Scheme, req.URL.Host)
	}
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	return nil
}

// answerTimeout is how long a request waits for its whole answer when the
// caller set no deadline: a server that took the connection and hangs
// fails the command instead of holding it forever. An import (or its plan,
// or an export of a build) may take minutes; anything else seconds.
func answerTimeout(path string) time.Duration {
	switch strings.TrimPrefix(path, "/") {
	case "ImportSolution", "bpfc_PlanImport", "bpfc_ExportSolution":
		return longAnswer
	}
	return shortAnswer
}

var shortAnswer, longAnswer = 2 * time.Minute, 15 * time.Minute // variables for tests

// timeoutError is do's error for an answer that did not come within its
// limit, typed so that a caller may say so briefly (nameUnread).
type timeoutError struct {
	limit time.Duration
	msg   string
}

func (e *timeoutError) Error() string { return e.msg }

// Do sends a request to path (under the API prefix) with body as JSON (nil:
// none) and decodes a JSON answer into out (nil: discarded). An error
// answer is an *APIError; with errBody set, its body is decoded there too.
func (c *Client) Do(ctx context.Context, method, path string, body, out, errBody any) (*http.Response, error) {
	return c.do(ctx, method, path, nil, body, out, errBody)
}

// do is Do with request headers (name, value, ...). A path that starts
// with http:// or https:// is a whole URL (an @odata.nextLink).
func (c *Client) do(ctx context.Context, method, path string, headers []string, body, out, errBody any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	u := strings.TrimSuffix(c.URL, "/") + Prefix + strings.TrimPrefix(path, "/")
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u = path
	}
	var limit time.Duration
	if _, ok := ctx.Deadline(); !ok {
		limit = answerTimeout(path)
		if c.Timeout > 0 {
			limit = c.Timeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if c.OnBehalfOf != "" {
		req.Header.Set(CallerIDHeader, c.OnBehalfOf)
	}
	// Whether the request went out: a connection lost after it is no
	// server that cannot be reached, and a change may have been made.
	var sent atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { sent.Store(i.Err == nil) }}))
	resp, err := c.http().Do(req)
	if err != nil {
		if limit > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &timeoutError{limit: limit, msg: fmt.Sprintf("%s%s did not answer %s %s within %v: is bpfc serve there busy or stuck?%s",
				c.URL, c.envText(), method, path, limit, unansweredHint(method, path))}
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if first, ok := notHTTP(err); ok {
			// The first line of the answer is no HTTP status line: the
			// peer speaks another protocol. bpfc serve, and any HTTP
			// proxy in front of it, answers with one whatever happened,
			// so no bpfc serve took this request: nothing was changed.
			unchanged := ""
			if method != http.MethodGet {
				unchanged = ", so nothing was changed there"
			}
			return nil, fmt.Errorf("%s%s answered %s %s with bytes that are not HTTP (%s): it is not a bpfc serve, which always answers in HTTP%s; "+
				"check the environment's url (http://host:port): is the port another service's, such as PostgreSQL's?",
				c.URL, c.envText(), method, path, first, unchanged)
		}
		if sent.Load() && postgresAt(ctx, req) {
			// PostgreSQL reads the request's first bytes as a startup
			// packet of absurd length and closes without a word: it took
			// nothing, whatever the method.
			unchanged := ""
			if method != http.MethodGet {
				unchanged = ", so nothing was changed there"
			}
			return nil, fmt.Errorf("%s%s is a PostgreSQL server's port, not a bpfc serve: it closed the connection on %s %s without an answer%s; "+
				"set the environment's url to the bpfc serve's http://host:port, or reach the database itself with store = \"postgres://user@host:5432/DATABASE\" in place of url",
				c.URL, c.envText(), method, path, unchanged)
		}
		if sent.Load() && method != http.MethodGet {
			return nil, fmt.Errorf("%s%s took %s %s but the connection was lost before its answer (%w): the change may have been made there; %s before retrying",
				c.URL, c.envText(), method, path, err, readBackHint(path))
		}
		if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
			// bpfc serve speaks plain http; https is a proxy's in front of it.
			return nil, fmt.Errorf("%s%s answers plain http, not https (%w): set the environment's url to %s, or to the https address of a proxy in front of it",
				c.URL, c.envText(), err, "http://"+strings.TrimPrefix(c.URL, "https://"))
		}
		return nil, fmt.Errorf("cannot reach %s%s (%w): is bpfc serve running there, and does the environment's url name it (http://host:port)?",
			c.URL, c.envText(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		if limit > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return resp, &timeoutError{limit: limit, msg: fmt.Sprintf("%s%s did not finish answering %s %s within %v", c.URL, c.envText(), method, path, limit)}
		}
		return resp, err
	}
	if len(data) > maxAnswer {
		return resp, fmt.Errorf("%s %s: the answer is larger than %d MiB", method, path, maxAnswer>>20)
	}
	if resp.StatusCode >= 400 {
		var eb ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error.Code == "" {
			// Not bpfc's answer: a proxy, another service, a wrong url.
			msg := fmt.Sprintf("%s %s%s answered %d %s, not as bpfc serve does (no JSON error)", method, u, c.envText(), resp.StatusCode,
				http.StatusText(resp.StatusCode))
			if text := strings.TrimSpace(string(data)); text != "" {
				msg += ": " + clip(text, 200)
			}
			msg += "; check that the environment's url names a bpfc serve (http://host:port)"
			return resp, &APIError{Status: resp.StatusCode, Code: http.StatusText(resp.StatusCode), Message: msg}
		}
		if errBody != nil {
			_ = json.Unmarshal(data, errBody)
		}
		msg := renameEnv(eb.Error.Message, eb.Error.Environment, c.Env)
		if eb.Error.Environment != "" && eb.Error.Environment != c.Env && strings.Contains(msg, "bpfc promote") {
			msg += " (the server's own environments: run that where bpfc serve runs, as the server's environment " + eb.Error.Environment + ")"
		}
		if resp.StatusCode == http.StatusUnauthorized && c.TokenHint != "" {
			msg += ": " + c.TokenHint
		}
		return resp, &APIError{Status: resp.StatusCode, Code: eb.Error.Code, Message: msg, Rule: eb.Error.Rule,
			Stage: eb.Error.Stage, Steps: eb.Error.Steps, Table: eb.Error.Table, Record: eb.Error.Record, Missing: eb.Error.Missing}
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("%s %s: the answer is not JSON: %w", method, path, err)
		}
	}
	return resp, nil
}

// notHTTP reports whether a request failed on an answer whose status line
// is not HTTP's (net/http's ReadResponse: "malformed HTTP response …",
// "… version …", "… status code …"), and that part of the error, clipped:
// the peer's bytes, quoted.
func notHTTP(err error) (string, bool) {
	msg := err.Error()
	i := strings.Index(msg, "malformed HTTP ")
	if i < 0 {
		return "", false
	}
	for _, what := range []string{"response ", "version ", "status code "} {
		if strings.HasPrefix(msg[i+len("malformed HTTP "):], what) {
			return clip(msg[i:], 120), true
		}
	}
	return "", false
}

// readBackHint says how to read, from the client's side, whether a change
// whose answer was lost was made: bpfc history needs the environment's
// store and refuses a remote environment, so it is named only as run where
// the server runs; env list reads the live build through the server.
func readBackHint(path string) string {
	switch strings.TrimPrefix(path, "/") {
	case "ImportSolution":
		return "bpfc env list shows the build live there, and bpfc history, run where its server runs, lists every import; read them"
	}
	return "read what it changed (bpfc instance show, bpfc record show)"
}

// unansweredHint says, after a request that got no answer in time, what
// may have happened there: nothing for a read; for an import, that the
// server rolls back one whose request ended before it committed (the
// client closed it), so it may or may not have been made.
func unansweredHint(method, path string) string {
	switch {
	case method == http.MethodGet || strings.TrimPrefix(path, "/") == "bpfc_PlanImport" || strings.TrimPrefix(path, "/") == "bpfc_ExportSolution":
		return " Nothing was changed by this request; run it again when the server answers"
	case strings.TrimPrefix(path, "/") == "ImportSolution":
		return " The server keeps the import only if it had committed it before the request ended, so it may or may not have been made: " + readBackHint(path) + " before retrying"
	}
	return " The change may or may not have been made there: " + readBackHint(path) + " before retrying"
}

// maxAnswer bounds the body of an answer the client reads: an exported
// build carries its archives, as large as an import's (Limits.MaxImport).
const maxAnswer = 640 << 20

// Import deploys a build's archive (of the remote environment's flavour)
// with its model. The Result says what happened, also when the import was
// refused (the error then says why).
func (c *Client) Import(ctx context.Context, b *deploy.Build, managed bool, mode deploy.Mode, settings map[string]string, who string) (*deploy.Result, error) {
	return c.importAs(ctx, "", b, managed, mode, deploy.SentValues{Settings: settings}, who)
}

// Promote imports a build as Import does, recorded in the remote
// environment's history as a promotion: what bpfc promote sends, the build
// being the one live in the source environment.
func (c *Client) Promote(ctx context.Context, b *deploy.Build, managed bool, mode deploy.Mode, settings map[string]string, who string) (*deploy.Result, error) {
	return c.importAs(ctx, "promote", b, managed, mode, deploy.SentValues{Settings: settings}, who)
}

// importAs sends an import with the values vals (deploy.RemoteValues).
func (c *Client) importAs(ctx context.Context, op string, b *deploy.Build, managed bool, mode deploy.Mode, vals deploy.SentValues, who string) (*deploy.Result, error) {
	req, err := c.importRequest(b, managed, mode, vals, false)
	if err != nil {
		return nil, err
	}
	req.Who, req.Operation = who, op
	var res deploy.Result
	var failed ImportResponse
	_, err = c.Do(ctx, http.MethodPost, "ImportSolution", req, &res, &failed)
	if olderServer(err, req) {
		_, err = c.Do(ctx, http.MethodPost, "ImportSolution", req, &res, &failed)
	}
	if err != nil {
		if failed.Result != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.Code == "StoreUnavailable" && failed.Result.Result == deploy.Failed &&
				failed.Error.Message == failed.Result.Message {
				// The server answered with the import's own message
				// (before renaming its environment): it says the outcome.
				// The plan it names runs from here, under this project's
				// name for the environment.
				ae.saysOutcome = true
				ae.Message = renameCommandEnv(ae.Message, failed.Error.Environment, c.Env)
				failed.Result.Message = renameCommandEnv(failed.Result.Message, failed.Error.Environment, c.Env)
			}
			return failed.Result, err
		}
		if ae := (*APIError)(nil); errors.As(err, &ae) && ae.Status == http.StatusServiceUnavailable && ae.Code == "StoreUnavailable" {
			// No import's result: the server could not reach its store
			// to start one. Nothing was changed and a retry may go
			// through: busy, as CI retries an environment held busy.
			return &deploy.Result{Environment: c.Env, Solution: b.Solution(), Version: b.Version(), Managed: managed, Mode: string(mode),
				Digest: b.Digest, Result: deploy.Busy, Message: err.Error(), Changes: []deploy.Change{}}, err
		}
		return nil, err
	}
	if res.Result == "" || res.Digest == "" {
		// A 2xx that is no import's result: never report it as one.
		return nil, fmt.Errorf("%s%s answered ImportSolution without an import's result; it is not a bpfc serve (check the environment's url), and nothing is known to be deployed",
			c.URL, c.envText())
	}
	return &res, nil
}

// Plan is what an import of b would do in the remote environment, which
// changes nothing there (bpfc_PlanImport: the server's PlanImport, its
// promote_from gate among the refusals). A build without the archive of
// the environment's flavour is planned too, that refusal among the plan's
// (deploy.NoArchive), as a local plan lists it.
func (c *Client) Plan(ctx context.Context, b *deploy.Build, managed bool, mode deploy.Mode, vals deploy.SentValues) (*deploy.Plan, error) {
	req, err := c.importRequest(b, managed, mode, vals, true)
	if err != nil {
		return nil, err
	}
	var pl deploy.Plan
	_, err = c.Do(ctx, http.MethodPost, "bpfc_PlanImport", req, &pl, nil)
	if olderServer(err, req) {
		_, err = c.Do(ctx, http.MethodPost, "bpfc_PlanImport", req, &pl, nil)
	}
	var ae *APIError
	if req.CustomizationFile == "" && errors.As(err, &ae) && ae.Status == http.StatusBadRequest && strings.HasPrefix(ae.Message, "CustomizationFile must be") {
		// A server of an older bpfc plans no build without the archive:
		// the refusal is all that is known.
		return nil, c.noArchive(b, managed)
	}
	if err != nil {
		return nil, err
	}
	if pl.Digest == "" {
		return nil, fmt.Errorf("%s%s answered bpfc_PlanImport without a plan; it is not a bpfc serve of this version (check the environment's url)", c.URL, c.envText())
	}
	if pl.Notes == nil { // a server of an older bpfc
		pl.Notes = []string{}
	}
	if req.CustomizationFile == "" {
		// The server names its environment by its own name, in the
		// command too: the refusal the client would give says --env as
		// the client's project knows it.
		server := deploy.NoArchive(b, pl.Environment, managed)
		for i, r := range pl.Refusals {
			if r == server && c.Env != "" {
				pl.Refusals[i] = deploy.NoArchive(b, c.Env, managed)
			}
		}
	}
	return &pl, nil
}

// olderServer reports whether err is a server of an older bpfc refusing
// EnvironmentValues, and then sends the block's values as settings, as
// such a server takes them (there they stay for later imports).
func olderServer(err error, req *ImportRequest) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, "EnvironmentValues") || req.EnvironmentValues == nil {
		return false
	}
	settings := maps.Clone(*req.EnvironmentValues)
	maps.Copy(settings, req.Settings) // a settings file's come first
	req.Settings, req.EnvironmentValues = settings, nil
	return true
}

// importRequest is the body of ImportSolution and bpfc_PlanImport: the
// build's archive of the environment's flavour and its model, the values;
// secrets (deploy.RemoteValues) are refused over plain http to another
// host. A plan (bpfc_PlanImport) of a build without the archive of the
// environment's flavour sends the other alone, as OtherCustomizationFile.
func (c *Client) importRequest(b *deploy.Build, managed bool, mode deploy.Mode, vals deploy.SentValues, plan bool) (*ImportRequest, error) {
	secrets := vals.Secrets
	if len(secrets) > 0 && !c.private() {
		var names, vars []string
		for _, v := range b.Project.Variables {
			if _, ok := secrets[v.SchemaName]; ok {
				names, vars = append(names, v.Name), append(vars, v.EnvVarHint())
			}
		}
		return nil, fmt.Errorf("will not send the value of secret %s to %s over plain http: give the environment an https url, or set %s where bpfc serve runs and not here",
			strings.Join(names, ", "), c.URL, strings.Join(vars, ", "))
	}
	arch, other := b.Unmanaged, b.Managed
	if managed {
		arch, other = b.Managed, b.Unmanaged
	}
	if arch.Data == nil && (!plan || other.Data == nil) {
		return nil, c.noArchive(b, managed)
	}
	req := &ImportRequest{CustomizationFile: base64.StdEncoding.EncodeToString(arch.Data), ArchiveName: arch.Name,
		Model: base64.StdEncoding.EncodeToString(b.Model), Digest: b.Digest, Mode: string(mode), Settings: vals.Settings, Secrets: secrets}
	if vals.Environment != nil {
		req.EnvironmentValues = &vals.Environment // sent even empty: no value from the block
	}
	if other.Data != nil {
		// Kept with the build there, so that it can be promoted on to
		// environments of the other flavour.
		req.OtherCustomizationFile, req.OtherArchiveName = base64.StdEncoding.EncodeToString(other.Data), other.Name
	}
	return req, nil
}

// noArchive is the refusal of b, which has no archive of the flavour the
// environment takes.
func (c *Client) noArchive(b *deploy.Build, managed bool) *deploy.Refusal {
	return &deploy.Refusal{Env: c.Env, Solution: b.Solution(), Version: b.Version(), Causes: []string{deploy.NoArchive(b, c.Env, managed)}}
}

// private: requests to the server cannot be read on the way, as it is
// reached over https or on this machine (loopback).
func (c *Client) private() bool {
	u, err := url.Parse(c.URL)
	if err != nil {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return host == "localhost"
}

// envText names the client's environment in a message, when it knows it.
func (c *Client) envText() string {
	if c.Env == "" {
		return ""
	}
	return " (environment " + c.Env + ")"
}

// clip cuts s to at most n bytes, at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// renameEnv says local where a server's message names its environment by
// the server's name ("in dev", "environment dev", and the --env of a
// command the client runs through the server: renameCommandEnv), when the
// client's project knows it as local. A command that runs only where the
// server runs keeps the server's name, and the message says whose name
// that is.
func renameEnv(msg, server, local string) string {
	if server == "" || local == "" || server == local {
		return msg
	}
	// The name ends where no name's character follows: "in dev-2" names
	// another environment (names take '-', which \b would end them at).
	re := regexp.MustCompile(`\b(in|into|environment) ` + regexp.QuoteMeta(server) + `([^\w-]|$)`)
	msg = renameCommandEnv(re.ReplaceAllString(msg, "${1} "+strings.ReplaceAll(local, "$", "$$")+"${2}"), server, local)
	if serverEnvFlag(server).MatchString(msg) && !strings.Contains(msg, "bpfc promote") && !saysWhereServerRuns.MatchString(msg) {
		// (promote's note says so for it, see do; and a message that says
		// where its command runs needs none.)
		msg += " (--env " + server + ": run that where bpfc serve runs, as the server's environment " + server + ")"
	}
	return msg
}

// renameCommandEnv says local for server in a message's --env of a
// command the client runs through the server ("bpfc plan --env server",
// "bpfc instance list --env server --record …": environ.RemoteCommands but
// promote, whose environments in a server's message are the server's own);
// commands that run only where the server runs (history, user set,
// uninstall) keep the server's name.
func renameCommandEnv(msg, server, local string) string {
	if server == "" || local == "" || server == local {
		return msg
	}
	flag := serverEnvFlag(server)
	var b strings.Builder
	for {
		i := strings.Index(msg, "bpfc ")
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		b.WriteString(msg[:i])
		// The command runs to the end of its clause or the next command.
		end := len(msg)
		if j := strings.IndexAny(msg[i:], ";(),\n"); j >= 0 {
			end = i + j
		}
		if j := strings.Index(msg[i+len("bpfc "):end], "bpfc "); j >= 0 {
			end = i + len("bpfc ") + j
		}
		cmd := msg[i:end]
		if remoteCommand.MatchString(cmd) {
			cmd = flag.ReplaceAllString(cmd, "--env "+strings.ReplaceAll(local, "$", "$$")+"${1}")
		}
		b.WriteString(cmd)
		msg = msg[end:]
	}
}

// remoteCommand finds a command the client runs through the server at the
// start of a command's words.
var remoteCommand = regexp.MustCompile(`^bpfc(?: -C \S+)? (?:plan|deploy|record|instance|report|user list|job list|outbox list)\b`)

// saysWhereServerRuns finds a message's own words for where its commands
// run.
var saysWhereServerRuns = regexp.MustCompile(`where (?:its|this|the) server runs|where bpfc serve runs`)

// serverEnvFlag finds --env server as a whole word.
func serverEnvFlag(server string) *regexp.Regexp {
	return regexp.MustCompile(`--env ` + regexp.QuoteMeta(server) + `([^\w-]|$)`)
}
