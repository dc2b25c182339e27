package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// call sends one request to server sv (modulo the number of servers) and
// decodes a JSON answer into out (nil: none).
func (e *env) call(ctx context.Context, sv int, method, path string, body any, out any, headers ...string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.bases[sv%len(e.bases)]+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, err
	}
	if out != nil && resp.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, err
		}
	}
	if resp.StatusCode >= 500 {
		return resp, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	return resp, nil
}

// instance is a phone-to-case instance moving between research and resolve.
type instance struct {
	id       string
	path     string
	etag     string
	atSecond bool
}

// stages are the process stage ids of the phone to case flow.
type stages struct{ research, resolve string }

// newInstance creates an account and a case (the phone to case flow
// starts on it), and moves it to research, through server n.
func (e *env) newInstance(ctx context.Context, n int) (*instance, *stages, error) {
	resp, err := e.call(ctx, n, "POST", "accounts", map[string]any{"name": fmt.Sprintf("Bench account %d", n)}, nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		return nil, nil, fmt.Errorf("creating an account: %v %v", err, status(resp))
	}
	acct := key(resp.Header.Get("OData-EntityId"))
	resp, err = e.call(ctx, n, "POST", "incidents", map[string]any{"title": fmt.Sprintf("Bench case %d", n),
		"customerid@odata.bind": "/accounts(" + acct + ")"}, nil)
	if err != nil || resp.StatusCode != http.StatusNoContent || resp.Header.Get("BPFC-Instance") == "" {
		return nil, nil, fmt.Errorf("creating a case: %v %v", err, status(resp))
	}
	in := &instance{id: resp.Header.Get("BPFC-Instance")}
	in.path = "cts_phonetocases(" + in.id + ")"
	var path struct {
		ProcessStages []struct {
			ID   string `json:"processstageid"`
			Name string `json:"uniquename"`
		}
	}
	if resp, err = e.call(ctx, n, "GET", "RetrieveActivePath(ProcessInstanceId="+in.id+")", nil, &path); err != nil || resp.StatusCode != 200 {
		return nil, nil, fmt.Errorf("reading the active path: %v %v", err, status(resp))
	}
	st := &stages{}
	for _, s := range path.ProcessStages {
		switch s.Name {
		case "research":
			st.research = s.ID
		case "resolve":
			st.resolve = s.ID
		}
	}
	if st.research == "" || st.resolve == "" {
		return nil, nil, fmt.Errorf("the phone to case flow has no research and resolve stages")
	}
	resp, err = e.call(ctx, n, "PATCH", in.path, move(st.research), nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		return nil, nil, fmt.Errorf("moving to research: %v %v", err, status(resp))
	}
	in.etag = resp.Header.Get("ETag")
	return in, st, nil
}

func status(r *http.Response) string {
	if r == nil {
		return "no answer"
	}
	return r.Status
}

// key is the id of an OData-EntityId.
func key(loc string) string {
	i, j := strings.LastIndexByte(loc, '('), strings.LastIndexByte(loc, ')')
	if i < 0 || j < i {
		return ""
	}
	return loc[i+1 : j]
}

func move(stage string) map[string]any {
	return map[string]any{"activestageid@odata.bind": "/processstages(" + stage + ")"}
}

// latencies collects request times.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// quantile of the collected times, in milliseconds.
func (l *latencies) quantile(q float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	slices.Sort(l.d)
	i := int(q * float64(len(l.d)-1))
	return float64(l.d[i].Microseconds()) / 1000
}

// throughput runs the writers, each on its own instance and spread over
// the servers, for the duration or until they sent the maximum of moves.
func throughput(e *env, o *options) (*Throughput, error) {
	conns := make([]*writerConn, o.writers) // each writer's own
	var bodies sync.Map                     // the moves' JSON bodies by stage, encoded once
	body := func(to string) []byte {
		if b, ok := bodies.Load(to); ok {
			return b.([]byte)
		}
		b := moveBody(to)
		bodies.Store(to, b)
		return b
	}
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	th, err := drive(e, o, func(ctx context.Context, w int, in *instance, to string) bool {
		if conns[w] == nil {
			c, err := dialWriter(ctx, e.bases[w%len(e.bases)], e.token)
			if err != nil {
				return false
			}
			conns[w] = c
		}
		code, etag, err := conns[w].patch(in.path, body(to), in.etag)
		if err != nil {
			conns[w].Close()
			conns[w] = nil
		}
		if err != nil || code != http.StatusNoContent {
			return false
		}
		in.etag = etag
		return true
	})
	if th != nil {
		th.Servers = len(e.bases)
	}
	return th, err
}

// inProcess runs the writers as throughput does, but each move is a call
// of the first server's engine, as its Web API makes it for a PATCH with
// If-Match: what bpfc costs without HTTP, JSON and the bearer token.
func inProcess(e *env, o *options) (*Throughput, error) {
	sess := e.eng.As("admin")
	th, err := drive(e, o, func(ctx context.Context, w int, in *instance, to string) bool {
		v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(in.etag, `W/"`), `"`), 10, 64)
		if err != nil {
			return false
		}
		_, after, err := sess.MoveTo(ctx, "cts_phonetocase", in.id, to, engine.MoveOptions{IfVersion: v})
		if err != nil {
			return false
		}
		in.etag = `W/"` + strconv.FormatInt(after.Version, 10) + `"`
		return true
	})
	if th != nil {
		th.Servers, th.Via = 1, "engine"
	}
	return th, err
}

// drive makes an instance per writer (through the servers) and runs the
// writers, each moving its instance back and forth with step, for the
// duration or until they sent the maximum of moves.
func drive(e *env, o *options, step func(ctx context.Context, w int, in *instance, to string) bool) (*Throughput, error) {
	ctx := context.Background()
	ins := make([]*instance, o.writers)
	var st *stages
	for i := range ins {
		var err error
		if ins[i], st, err = e.newInstance(ctx, i); err != nil {
			return nil, err
		}
	}
	statements0, writes0 := e.oneShotStats()
	var sent, ok, failed atomic.Int64
	lat := &latencies{}
	deadline := time.Now().Add(o.duration)
	cpu := markCPU(e)
	start := time.Now()
	var wg sync.WaitGroup
	for w, in := range ins {
		wg.Go(func() {
			for time.Now().Before(deadline) && sent.Add(1) <= int64(o.maxRequests) {
				to := st.resolve
				if in.atSecond {
					to = st.research
				}
				t0 := time.Now()
				moved := step(ctx, w, in, to)
				lat.add(time.Since(t0))
				if !moved {
					failed.Add(1)
					continue
				}
				ok.Add(1)
				in.atSecond = !in.atSecond
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	statements, writes := e.oneShotStats()
	t := &Throughput{Writers: o.writers, DurationS: elapsed.Seconds(), Transitions: ok.Load(), Errors: failed.Load(),
		PerSecond: float64(ok.Load()) / elapsed.Seconds(), P50MS: lat.quantile(0.5), P99MS: lat.quantile(0.99), MaxMS: lat.quantile(1),
		OneShotWrites: writes - writes0, OneShotStatements: statements - statements0}
	cpu.since(e, t)
	return t, nil
}

// oneShotStats sums the one-shot statements of the servers' stores and
// the writes they applied (none on SQLite).
func (e *env) oneShotStats() (statements, writes int64) {
	for _, s := range e.stores {
		if b, ok := s.(interface{ OneShotStats() sqlstore.OneShotStats }); ok {
			st := b.OneShotStats()
			statements, writes = statements+st.Statements, writes+st.Writes
		}
	}
	return statements, writes
}

// printCosts prints how a phase's one-shot writes were batched and the
// CPU its moves cost.
func printCosts(w io.Writer, t *Throughput) {
	if t.OneShotStatements > 0 {
		fmt.Fprintf(w, "    one-shot moves: %d in %d statements (%.1f per statement)\n", t.OneShotWrites, t.OneShotStatements,
			float64(t.OneShotWrites)/float64(t.OneShotStatements))
	}
	switch {
	case t.ServersCPUPerMoveUS > 0:
		fmt.Fprintf(w, "    CPU: %.0f µs per move in the server processes, %.0f µs in this one (writers)", t.ServersCPUPerMoveUS,
			t.ProcessCPUPerMoveUS)
	case t.ProcessCPUPerMoveUS > 0:
		fmt.Fprintf(w, "    CPU: %.0f µs per move in this process (writers and servers)", t.ProcessCPUPerMoveUS)
	}
	if t.ProcessCPUPerMoveUS > 0 {
		if t.DatabaseCPUPerMoveUS > 0 {
			fmt.Fprintf(w, ", %.0f µs in PostgreSQL", t.DatabaseCPUPerMoveUS)
		}
		if t.MachineBusy > 0 {
			fmt.Fprintf(w, "; the machine's cores %.0f%% busy", 100*t.MachineBusy)
		}
		fmt.Fprintln(w)
	}
}

// contention puts the contenders on one instance, spread over the servers
// (each reads through one and moves through the next): read it, move it
// with its ETag. Then the moves acknowledged must be the new rows of the
// instance's stage log.
func contention(e *env, o *options) (*Contention, error) {
	ctx := context.Background()
	in, st, err := e.newInstance(ctx, 1_000_000)
	if err != nil {
		return nil, err
	}
	before, err := visits(e.s, in.id)
	if err != nil {
		return nil, err
	}
	c := &Contention{Writers: o.contenders, Servers: len(e.bases)}
	var attempts, acked, refused, failed atomic.Int64
	lat := &latencies{}
	deadline := time.Now().Add(o.duration)
	var wg sync.WaitGroup
	for c := range o.contenders {
		wg.Go(func() {
			for time.Now().Before(deadline) && attempts.Add(1) <= int64(o.maxRequests) {
				var row struct {
					Stage string `json:"_activestageid_value"`
				}
				resp, err := e.call(ctx, c, "GET", in.path+"?$select=_activestageid_value", nil, &row)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				to := st.resolve
				if row.Stage == st.resolve {
					to = st.research
				}
				t0 := time.Now()
				resp, err = e.call(ctx, c+1, "PATCH", in.path, move(to), nil, "If-Match", resp.Header.Get("ETag"))
				lat.add(time.Since(t0))
				switch {
				case err != nil:
					failed.Add(1)
				case resp.StatusCode == http.StatusNoContent:
					acked.Add(1)
				case resp.StatusCode == http.StatusPreconditionFailed || resp.StatusCode == http.StatusConflict:
					refused.Add(1)
				default:
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	after, err := visits(e.s, in.id)
	if err != nil {
		return nil, err
	}
	c.Attempts, c.Acknowledged, c.Refused, c.Errors = acked.Load()+refused.Load()+failed.Load(), acked.Load(), refused.Load(), failed.Load()
	c.LogEntries = after - before
	c.Lost = c.Acknowledged - c.LogEntries
	c.P50MS, c.P99MS = lat.quantile(0.5), lat.quantile(0.99)
	return c, nil
}

// visits counts the rows of an instance's stage log.
func visits(s store.Store, id string) (int64, error) {
	var n int64
	err := s.Read(context.Background(), func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: id})
		n = int64(len(vs))
		return err
	})
	return n, err
}

func printReport(w io.Writer, r *Report) {
	where := "sqlite environment (WAL, synchronous=FULL)"
	if r.Backend == "postgres" {
		where = "PostgreSQL environment (" + r.Server + ")"
	}
	fmt.Fprintf(w, "bpfc Web API on loopback, %s; this process on %d Go processors (GOMAXPROCS), %d cores\n", where, r.GoMaxProcs, r.Cores)
	if r.GoDebug != "" {
		fmt.Fprintf(w, "  this process's GODEBUG (its servers inherit it): %s\n", r.GoDebug)
	}
	if r.ServerProcesses {
		procs := "Go's default processors"
		if r.ServerProcs > 0 {
			procs = fmt.Sprintf("GOMAXPROCS=%d", r.ServerProcs)
		}
		if len(r.ServerEnv) > 0 {
			procs += ", " + strings.Join(r.ServerEnv, " ")
		}
		fmt.Fprintf(w, "  servers: bpfc serve processes (%s); the in-process phase calls an engine of this process\n", procs)
	}
	if r.Backend == "postgres" && r.Pgbench == nil {
		fmt.Fprintln(w, "  no pgbench baseline (-pgbench none, or no pgbench found)")
	}
	if p := r.Pgbench; p != nil {
		fmt.Fprintf(w, "  pgbench, the same server, %d clients (-c %d -j %d), one single-row UPDATE per transaction, %.0fs: %.0f tps\n",
			p.Clients, p.Clients, p.Clients, p.DurationS, p.TPS)
		if p.DatabaseCPUPerTxUS > 0 || p.ClientCPUPerTxUS > 0 {
			fmt.Fprintf(w, "    CPU: %.0f µs per transaction in PostgreSQL, %.0f µs in pgbench\n", p.DatabaseCPUPerTxUS, p.ClientCPUPerTxUS)
		}
	}
	for _, t := range r.Throughput {
		fmt.Fprintf(w, "  %d writers, one instance each, over %d server(s), PATCH activestageid with If-Match, %.1fs:\n", t.Writers, t.Servers,
			t.DurationS)
		fmt.Fprintf(w, "    %d transitions (%d errors): %.0f transitions/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
			t.Transitions, t.Errors, t.PerSecond, t.P50MS, t.P99MS, t.MaxMS)
		if t.OfPgbench > 0 {
			fmt.Fprintf(w, "    %.0f%% of pgbench's single-row update rate at the same concurrency\n", 100*t.OfPgbench)
		}
		printCosts(w, t)
		fmt.Fprintf(w, "    Dataverse's service protection limit: 6,000 requests per 5 minutes per user = %.0f/s (%.0fx)\n",
			r.DataverseLimitPerS, t.PerSecond/r.DataverseLimitPerS)
	}
	if t := r.InProcess; t != nil {
		fmt.Fprintf(w, "  %d writers, one instance each, calling the first server's engine in its process (no HTTP), %.1fs:\n", t.Writers, t.DurationS)
		fmt.Fprintf(w, "    %d transitions (%d errors): %.0f transitions/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
			t.Transitions, t.Errors, t.PerSecond, t.P50MS, t.P99MS, t.MaxMS)
		if t.OfPgbench > 0 {
			fmt.Fprintf(w, "    %.0f%% of pgbench's single-row update rate at the same concurrency\n", 100*t.OfPgbench)
		}
		printCosts(w, t)
	}
	if c := r.Contention; c != nil {
		verdict := "nothing lost"
		if c.Lost != 0 {
			verdict = fmt.Sprintf("MISMATCH: %d", c.Lost)
		}
		fmt.Fprintf(w, "  %d writers on one instance over %d server(s) (GET, then PATCH with its ETag):\n", c.Writers, c.Servers)
		fmt.Fprintf(w, "    %d moves: %d acknowledged, %d refused as stale (412/409), %d errors; stage log +%d rows: %s\n",
			c.Attempts, c.Acknowledged, c.Refused, c.Errors, c.LogEntries, verdict)
		fmt.Fprintf(w, "    PATCH latency p50 %.2f ms, p99 %.2f ms\n", c.P50MS, c.P99MS)
	}
}
