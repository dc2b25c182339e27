package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// hookServer records webhook calls and answers them as told.
type hookServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls []hookCall
	fail  int // answer 500 to this many calls first
}

type hookCall struct {
	header http.Header
	record map[string]any
}

func newHookServer(t *testing.T, fail int) *hookServer {
	h := &hookServer{fail: fail}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var rec map[string]any
		if err := json.Unmarshal(body, &rec); err != nil || r.Method != http.MethodPost {
			http.Error(w, "want a POST of JSON", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.calls = append(h.calls, hookCall{header: r.Header.Clone(), record: rec})
		if h.fail > 0 {
			h.fail--
			http.Error(w, "service unavailable\ntry later", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

// failFirst makes the next n calls fail.
func (h *hookServer) failFirst(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail = n
}

func (h *hookServer) seen() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.calls...)
}

// Background workflows are queued by the transition and run by the worker:
// send_email writes the outbox, webhook posts the record, and a webhook that
// fails is retried with exponential backoff until it succeeds, resuming at
// the webhook (the email before it is not sent again).
func TestBackgroundJobRetriesAWebhookThatFailsThenSucceeds(t *testing.T) {
	v := newEnv(t, Options{Backoff: time.Minute, MaxAttempts: 5})
	h := newHookServer(t, 2)
	v.setVar("hook_url", h.URL+"/hooks?token=s3cret")
	id, in := v.lead("background", engine.Values{"budgetamount": "5000"})
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	js := v.jobs()
	if len(js) != 1 || js[0].State != store.JobQueued || js[0].Workflow != "mail_and_hook" || js[0].RecordID != id ||
		js[0].Trigger != "next qualify>close" || js[0].Attempts != 0 {
		t.Fatalf("queued: %+v", js)
	}
	if got := v.record("lead", id)["description"]; got != nil {
		t.Fatalf("the job ran in the transition: description %v", got)
	}

	ran := v.runDue() // attempt 1: the email, then the webhook fails
	if len(ran) != 1 || ran[0].State != store.JobQueued || ran[0].Attempts != 1 || ran[0].Step != 1 ||
		!strings.Contains(ran[0].LastError, "answered 500 Internal Server Error: service unavailable try later") {
		t.Fatalf("attempt 1: %+v", ran)
	}
	if strings.Contains(ran[0].LastError, "s3cret") {
		t.Errorf("the error shows the URL's query: %s", ran[0].LastError)
	}
	if want := v.clock.Now().Add(time.Minute); !ran[0].NextRunAt.Equal(want) {
		t.Errorf("retry at %v, want %v (backoff 1m)", ran[0].NextRunAt, want)
	}
	if ran := v.runDue(); len(ran) != 0 {
		t.Fatalf("a job ran before its backoff ended: %+v", ran)
	}
	v.clock.Advance(time.Minute)
	ran = v.runDue() // attempt 2 fails: the backoff doubles
	if len(ran) != 1 || ran[0].Attempts != 2 || !ran[0].NextRunAt.Equal(v.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("attempt 2: %+v", ran)
	}
	v.clock.Advance(2 * time.Minute)
	ran = v.runDue() // attempt 3 succeeds, from the webhook: send ran in attempt 1
	if len(ran) != 1 || ran[0].State != store.JobSucceeded || ran[0].Attempts != 3 || ran[0].LastError != "" || ran[0].Result != "ran 2 steps from step post" {
		t.Fatalf("attempt 3: %+v", ran)
	}

	calls := h.seen()
	if len(calls) != 3 {
		t.Fatalf("%d webhook calls, want 3", len(calls))
	}
	key := calls[0].header.Get("Idempotency-Key")
	for _, c := range calls {
		if c.header.Get("Idempotency-Key") != key || c.header.Get("X-Bpfc-Workflow") != "mail_and_hook" || c.header.Get("X-Bpfc-Step") != "post" ||
			c.header.Get("X-Bpfc-Record") != id || c.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", c.header)
		}
		if c.record["leadid"] != id || c.record["budgetamount"] != 5000.0 || c.record["subject"] != "Big deal" {
			t.Errorf("posted record %v", c.record)
		}
	}
	es := v.emails()
	if len(es) != 1 || es[0].To != "desk@example.com" || es[0].Subject != "Qualified" || es[0].Body != "Big deal" || es[0].JobID != js[0].ID {
		t.Errorf("outbox %+v, want the one email of the first attempt", es)
	}
	if got := v.record("lead", id)["description"]; got != "Hooked" {
		t.Errorf("the step after the webhook: description %v", got)
	}
}

// A job that keeps failing is failed, with its error, after MaxAttempts.
func TestBackgroundJobFailsAfterItsLastAttempt(t *testing.T) {
	v := newEnv(t, Options{Backoff: time.Second, MaxAttempts: 3})
	h := newHookServer(t, 100)
	v.setVar("hook_url", h.URL)
	_, in := v.lead("actions", nil)
	if _, err := v.admin().RunAction(v.ctx, in.ID, "hook"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		v.runDue()
		v.clock.Advance(time.Hour)
	}
	js := v.jobs()
	if len(js) != 1 || js[0].State != store.JobFailed || js[0].Attempts != 3 || !strings.Contains(js[0].LastError, "answered 500") ||
		js[0].FinishedOn.IsZero() {
		t.Fatalf("after 3 attempts: %+v", js)
	}
	if len(h.seen()) != 3 {
		t.Errorf("%d calls, want 3", len(h.seen()))
	}
	if ran := v.runDue(); len(ran) != 0 {
		t.Errorf("a failed job ran again: %+v", ran)
	}
}

// TestRetryAndCancelJobs: an operator retries a failed job (due now, its
// attempts afresh, resuming at the failed step) and cancels a waiting one;
// a retry of a job that has not ended, or a cancel of one that has, is
// refused and changes nothing.
func TestRetryAndCancelJobs(t *testing.T) {
	v := newEnv(t, Options{Backoff: time.Second, MaxAttempts: 2})
	h := newHookServer(t, 100) // the first 100 calls answer 500
	v.setVar("hook_url", h.URL)
	_, in := v.lead("actions", nil)
	if _, err := v.admin().RunAction(v.ctx, in.ID, "hook"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		v.runDue()
		v.clock.Advance(time.Hour)
	}
	failed := v.jobs()[0]
	if failed.State != store.JobFailed {
		t.Fatalf("not failed: %+v", failed)
	}
	var ref *engine.ErrRefused
	if _, err := v.r.CancelJob(v.ctx, failed.ID, "admin"); !errors.As(err, &ref) || ref.Rule != engine.RuleJobState || !strings.Contains(err.Error(), "has ended (failed)") {
		t.Errorf("cancel of a failed job: %v", err)
	}
	j, err := v.r.RetryJob(v.ctx, failed.ID)
	if err != nil || j.State != store.JobQueued || j.Attempts != 0 || j.Step != failed.Step || !j.FinishedOn.IsZero() || !j.NextRunAt.Equal(v.clock.Now()) {
		t.Fatalf("retried: %+v %v", j, err)
	}
	if _, err := v.r.RetryJob(v.ctx, failed.ID); !errors.As(err, &ref) || ref.Rule != engine.RuleJobState || !strings.Contains(err.Error(), "it is queued, and only a failed or canceled job is retried") {
		t.Errorf("retry of a queued job: %v", err)
	}
	h.failFirst(0) // the receiver is fixed
	ran := v.runDue()
	if len(ran) != 1 || ran[0].State != store.JobSucceeded || ran[0].Attempts != 1 {
		t.Errorf("the retried job: %+v", ran)
	}

	// A waiting job is canceled; the worker no longer checks it.
	v.lead("waiting", nil)
	v.runDue()
	var waiting store.Job
	for _, j := range v.jobs() {
		if j.State == store.JobWaiting {
			waiting = j
		}
	}
	if waiting.ID == 0 {
		t.Fatalf("no waiting job: %+v", v.jobs())
	}
	j, err = v.r.CancelJob(v.ctx, waiting.ID, "admin")
	if err != nil || j.State != store.JobCanceled || j.Result != "canceled by admin" || j.FinishedOn.IsZero() {
		t.Fatalf("canceled: %+v %v", j, err)
	}
	v.clock.Advance(3 * time.Hour) // past its timeout
	if ran := v.runDue(); len(ran) != 0 {
		t.Errorf("a canceled job ran: %+v", ran)
	}
	if _, err := v.r.RetryJob(v.ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retry of no job: %v", err)
	}
}

// Webhooks go only to http and https URLs, follow redirects only on the
// same host, and give up after the timeout.
func TestWebhookLimits(t *testing.T) {
	v := newEnv(t, Options{MaxAttempts: 1, WebhookTimeout: 200 * time.Millisecond})
	h := newHookServer(t, 0)
	mux := http.NewServeMux()
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, h.URL+"/landed", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(h.URL, "127.0.0.1", "localhost", 1)+"/landed", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	})
	redirector := httptest.NewServer(mux)
	t.Cleanup(redirector.Close)
	for _, c := range []struct {
		url, state, err string
	}{
		{h.URL + "/direct", store.JobSucceeded, ""},
		{redirector.URL + "/same", store.JobSucceeded, ""}, // to another port of 127.0.0.1: the same host
		{redirector.URL + "/other", store.JobFailed, "refused a redirect to another host (localhost)"},
		{redirector.URL + "/slow", store.JobFailed, "no answer within 200ms"},
		{"ftp://127.0.0.1/x", store.JobFailed, "is not an http or https URL"},
	} {
		v.setVar("hook_url", c.url)
		_, in := v.lead("actions", nil)
		if _, err := v.admin().RunAction(v.ctx, in.ID, "hook"); err != nil {
			t.Fatal(err)
		}
		ran := v.runDue()
		if len(ran) != 1 {
			t.Fatalf("%s: ran %d jobs", c.url, len(ran))
		}
		if j := ran[0]; j.State != c.state || !strings.Contains(j.LastError, c.err) {
			t.Errorf("%s: %s %q, want %s with %q", c.url, j.State, j.LastError, c.state, c.err)
		}
	}
	var landed int
	for _, c := range h.seen() {
		if c.header.Get("X-Bpfc-Workflow") == "hook" {
			landed++
		}
	}
	if landed != 2 {
		t.Errorf("%d calls reached the hook server, want 2 (direct, same-host redirect)", landed)
	}
}

// A background workflow with wait_until waits until its condition holds,
// re-checked when its record changes (through any writer: here the engine's
// record update), or until its timeout ends.
func TestWaitUntil(t *testing.T) {
	v := newEnv(t, Options{})
	decided, _ := v.lead("waiting", nil)
	undecided, _ := v.lead("waiting", nil)
	js := v.jobs()
	if len(js) != 2 || js[0].Step != -1 || js[0].State != store.JobWaiting || js[0].Trigger != "start qualify" {
		t.Fatalf("waiting from the start: %+v", js)
	}
	ran := v.runDue()
	if len(ran) != 2 || ran[0].State != store.JobWaiting || ran[0].Attempts != 0 {
		t.Fatalf("first check: %+v", ran)
	}
	if want := v.clock.Now().Add(2 * time.Hour); !ran[0].NextRunAt.Equal(want) {
		t.Errorf("waits until %v, want the timeout %v", ran[0].NextRunAt, want)
	}
	if ran := v.runDue(); len(ran) != 0 {
		t.Fatalf("re-checked without a change: %+v", ran)
	}
	v.clock.Advance(time.Minute)
	if _, err := v.admin().UpdateRecord(v.ctx, "lead", undecided, engine.Values{"description": "still thinking"}, 0); err != nil {
		t.Fatal(err)
	}
	ran = v.runDue()
	if len(ran) != 1 || ran[0].RecordID != undecided || ran[0].State != store.JobWaiting {
		t.Fatalf("after a change that leaves the condition false: %+v", ran)
	}
	if _, err := v.admin().UpdateRecord(v.ctx, "lead", decided, engine.Values{"decisionmaker": "yes"}, 0); err != nil {
		t.Fatal(err)
	}
	ran = v.runDue()
	if len(ran) != 1 || ran[0].RecordID != decided || ran[0].State != store.JobSucceeded || ran[0].Attempts != 1 {
		t.Fatalf("after the condition came true: %+v", ran)
	}
	if strings.Contains(ran[0].Result, "timeout") {
		t.Errorf("a wait that ended holding says it timed out: %q", ran[0].Result)
	}
	v.clock.Advance(2 * time.Hour)
	ran = v.runDue()
	if len(ran) != 1 || ran[0].RecordID != undecided || ran[0].State != store.JobSucceeded {
		t.Fatalf("after the timeout: %+v", ran)
	}
	// Its result says the wait ended at its timeout ("ran 1 step,
	// skipped 1" alone read as if it had held).
	if !strings.HasPrefix(ran[0].Result, "waited 2h (its timeout) without wait_until holding, then ran ") {
		t.Errorf("result after the timeout: %q", ran[0].Result)
	}
	var subjects []string
	for _, e := range v.emails() {
		subjects = append(subjects, e.Subject+" "+e.RecordID)
	}
	if want := []string{"Timed out " + undecided, "Decided " + decided}; strings.Join(subjects, ",") != strings.Join(want, ",") {
		t.Errorf("outbox %v, want %v", subjects, want)
	}
}

// An update of a record through the engine calls RecordChanged
// (engine.RecordHooks), which wakes the record's waiting jobs at once.
func TestRecordChangedWakesWaitingJobs(t *testing.T) {
	v := newEnv(t, Options{})
	id, _ := v.lead("waiting", nil)
	v.runDue()
	if _, err := v.admin().UpdateRecord(v.ctx, "lead", id, engine.Values{"subject": "changed"}, 0); err != nil {
		t.Fatal(err)
	}
	var j store.Job
	if err := v.s.Read(v.ctx, func(tx store.Tx) error {
		js, err := tx.(store.JobTx).Jobs(store.JobFilter{RecordID: id})
		if len(js) == 1 {
			j = js[0]
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if j.State != store.JobWaiting || !j.NextRunAt.Equal(v.clock.Now()) {
		t.Errorf("woken job: %+v", j)
	}
}

// on_abandon queues its background workflow; its workflow on the
// opportunity, which the instance never reached, is skipped and the
// abandon goes ahead.
func TestAbandonQueues(t *testing.T) {
	v := newEnv(t, Options{})
	_, in := v.lead("realtime", nil)
	out, err := v.admin().Abandon(v.ctx, in.ID, engine.MoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Workflows) != 2 || out.Workflows[0].State != Queued || out.Workflows[1].Workflow != "rate_opportunity" ||
		out.Workflows[1].State != Skipped || out.State != engine.StateAborted {
		t.Errorf("abandoned %s, workflows %+v", out.State, out.Workflows)
	}
	js := v.jobs()
	if len(js) != 1 || js[0].Workflow != "mail" || js[0].Trigger != "abandon" {
		t.Fatalf("jobs %+v", js)
	}
	v.runDue()
	es := v.emails()
	if len(es) != 1 || es[0].Cc != "boss@example.com" || es[0].InstanceID != in.ID {
		t.Errorf("outbox %+v", es)
	}

	// The lead deleted (its instances stay), the end's workflows on it
	// have no record: skipped, not queued to fail.
	gone, in2 := v.lead("realtime", nil)
	if err := v.admin().DeleteRecord(v.ctx, "lead", gone); err != nil {
		t.Fatal(err)
	}
	out, err = v.admin().Abandon(v.ctx, in2.ID, engine.MoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Workflows) != 2 || out.Workflows[0].State != Skipped || out.Workflows[1].State != Skipped {
		t.Errorf("abandoned without its lead: workflows %+v", out.Workflows)
	}
	if js := v.jobs(); len(js) != 1 {
		t.Errorf("jobs queued for a deleted lead: %+v", js)
	}
}

// contendedStore makes its n-th shared write give up as PostgreSQL's store
// does after losing MaxSharedAttempts races, without running it.
type contendedStore struct {
	store.Store
	n     int
	calls int
}

func (s *contendedStore) WriteShared(ctx context.Context, fn func(store.Tx) error) error {
	if s.calls++; s.calls == s.n {
		return fmt.Errorf("%w: %w, %d attempts", store.ErrConflict, store.ErrContended, store.MaxSharedAttempts)
	}
	return s.Store.WriteShared(ctx, fn)
}

// A job whose run keeps losing races (the store gives up) is still its
// worker's: the attempt fails and the job is queued again after the
// backoff, not left held until its lease ends.
func TestContendedJobIsRetried(t *testing.T) {
	v := newEnv(t, Options{})
	h := newHookServer(t, 0)
	v.setVar("hook_url", h.URL)
	_, in := v.lead("actions", nil)
	if _, err := v.admin().RunAction(v.ctx, in.ID, "hook"); err != nil {
		t.Fatal(err)
	}
	// RunDue: wake the waiting jobs (1), claim (2), run the steps (3).
	r := New(&contendedStore{Store: v.s, n: 3}, Options{Now: v.clock.Now, Backoff: time.Minute})
	ran, err := r.RunDue(v.ctx)
	if err != nil {
		t.Fatal(err)
	}
	js := v.jobs()
	if len(ran) != 1 || len(js) != 1 || js[0].State != store.JobQueued || js[0].LeaseOwner != "" || js[0].Attempts != 1 ||
		!strings.Contains(js[0].LastError, "concurrent changes") || !js[0].NextRunAt.Equal(v.clock.Now().Add(time.Minute)) {
		t.Fatalf("after a contended run: %+v", js)
	}
	v.clock.Advance(time.Minute)
	if ran := v.runDue(); len(ran) != 1 || ran[0].State != store.JobSucceeded || len(h.seen()) != 1 {
		t.Errorf("the retry: %+v, %d webhook calls", ran, len(h.seen()))
	}
}

// A worker that stops (serve's graceful stop) while a job's webhook is in
// flight gives the job back at once, at that step, without counting the
// attempt: another worker runs it now, not when the lease ends.
func TestStoppingWorkerReleasesItsJob(t *testing.T) {
	v := newEnv(t, Options{Backoff: time.Minute, MaxAttempts: 5, Lease: 5 * time.Minute})
	inFlight := make(chan struct{})
	var once sync.Once
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // read: the server then notices the client going away
		first := false
		once.Do(func() { first = true; close(inFlight) })
		if first {
			<-r.Context().Done() // the first call hangs until its worker stops
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer h.Close()
	v.setVar("hook_url", h.URL+"/hooks")
	_, in := v.lead("background", engine.Values{"budgetamount": "5000"})
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(v.ctx)
	done := make(chan []store.Job, 1)
	go func() {
		js, _ := v.r.RunDue(ctx)
		done <- js
	}()
	<-inFlight
	stop()
	ran := <-done
	if len(ran) != 1 || ran[0].State != store.JobQueued || ran[0].Attempts != 0 || ran[0].Step != 1 || ran[0].LeaseOwner != "" ||
		!ran[0].NextRunAt.Equal(v.clock.Now()) {
		t.Fatalf("released: %+v", ran)
	}
	js := v.jobs()
	if len(js) != 1 || js[0].State != store.JobQueued || js[0].Attempts != 0 || js[0].Step != 1 {
		t.Fatalf("stored: %+v", js)
	}
	// Another worker takes it at once and finishes it.
	ran = v.runDue()
	if len(ran) != 1 || ran[0].State != store.JobSucceeded || ran[0].Attempts != 1 {
		t.Fatalf("the next run: %+v", ran)
	}
	if es := v.emails(); len(es) != 1 {
		t.Errorf("%d emails: the step before the webhook ran again", len(es))
	}
}

// TestRetryCanceledJob: a job a stop canceled ends at that step; a retry
// decides the stop again and does not run the steps before it twice (it
// created a second record).
func TestRetryCanceledJob(t *testing.T) {
	v := newEnv(t, Options{})
	lead, in := v.lead("actions", engine.Values{"budgetamount": 500})
	if _, err := v.admin().RunAction(v.ctx, in.ID, "bg_canceler"); err != nil {
		t.Fatal(err)
	}
	ran := v.runDue()
	if len(ran) != 1 || ran[0].State != store.JobCanceled {
		t.Fatalf("the job: %+v", ran)
	}
	if _, err := v.admin().UpdateRecord(v.ctx, "lead", lead, engine.Values{"budgetamount": 50}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := v.r.RetryJob(v.ctx, ran[0].ID); err != nil {
		t.Fatal(err)
	}
	// It says what this run did: the stop step only, skipped now.
	if ran := v.runDue(); len(ran) != 1 || ran[0].State != store.JobSucceeded ||
		ran[0].Result != "ran 0 steps, skipped 1 (their when did not hold) from step cancel" {
		t.Fatalf("the retried job: %+v", ran)
	}
	calls, err := v.admin().Records(v.ctx, "phonecall")
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Errorf("%d phone calls, want 1: the retry ran the step before the stop again", len(calls))
	}
}

// TestLostClaimIsReleased: a job leased to a worker that does not run it —
// its claim committed while the answer was lost with the connection, or
// its failure could not be recorded — is queued again at that worker's next
// pass, after the backoff of the attempt the claim counted, not left
// running until its lease ends.
func TestLostClaimIsReleased(t *testing.T) {
	v, h := lostClaim(t, Options{Lease: 5 * time.Minute, Backoff: time.Minute})
	// Another worker leaves it alone: its lease runs.
	other := New(v.s, Options{Now: v.clock.Now})
	if ran, err := other.RunDue(v.ctx); err != nil || len(ran) != 0 {
		t.Fatalf("another worker took a leased job: %+v %v", ran, err)
	}
	if ran := v.runDue(); len(ran) != 0 {
		t.Fatalf("the released job ran before its backoff: %+v", ran)
	}
	if js := v.jobs(); len(js) != 1 || js[0].State != store.JobQueued || js[0].Attempts != 1 || js[0].LeaseOwner != "" ||
		!js[0].NextRunAt.Equal(v.clock.Now().Add(time.Minute)) {
		t.Fatalf("released: %+v", js)
	}
	v.clock.Advance(time.Minute)
	ran := v.runDue()
	if len(ran) != 1 || ran[0].State != store.JobSucceeded || ran[0].Attempts != 2 || len(h.seen()) != 1 {
		t.Errorf("the lost claim's job: %+v, %d webhook calls", ran, len(h.seen()))
	}
}

// TestLostLastAttemptFails: a lost claim of a job's last attempt fails it
// for good (it was queued again for ever).
func TestLostLastAttemptFails(t *testing.T) {
	v, _ := lostClaim(t, Options{Lease: 5 * time.Minute, MaxAttempts: 1})
	v.runDue()
	if js := v.jobs(); len(js) != 1 || js[0].State != store.JobFailed || !strings.Contains(js[0].Result, "could not be recorded") {
		t.Errorf("the lost last attempt: %+v", js)
	}
}

// lostClaim is an environment with one background job that v.r's worker
// claimed (committed) without knowing it: its answer was lost.
func lostClaim(t *testing.T, o Options) (*env, *hookServer) {
	t.Helper()
	v := newEnv(t, o)
	h := newHookServer(t, 0)
	v.setVar("hook_url", h.URL+"/hooks")
	_, in := v.lead("background", engine.Values{"budgetamount": "5000"})
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := v.s.WriteShared(v.ctx, func(tx store.Tx) error {
		now := v.clock.Now()
		js, err := tx.(store.JobTx).ClaimJobs(v.r.Owner(), now, now.Add(o.Lease), 1)
		if err == nil && len(js) != 1 {
			err = fmt.Errorf("claimed %d jobs", len(js))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v, h
}
