package scaleout

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/workflow"
)

// The project: tickets move between work and review; entering either
// queues a background workflow that writes one email to the outbox, so
// every job leaves exactly one row there when it runs.
var project = map[string]string{
	"bpfc.hcl": `solution "ScaleOut" {
  display_name = "Scale-out test"
  version      = "1.0.0.0"

  publisher "contoso" {
    display_name        = "Contoso Ltd"
    prefix              = "cts"
    option_value_prefix = 10000
  }
}

environment "dev" {
  managed = false
  store   = "STORE"
}
`,
	"tables.hcl": `table "cts_ticket" {
  display_name   = "Ticket"
  primary_column = "cts_name"

  column "cts_name" {
    display_name = "Title"
    type         = "string"
    max_length   = 100
  }
}
`,
	"flow.hcl": `flow "ticket_flow" {
  display_name  = "Ticket Flow"
  primary_table = "cts_ticket"

  stage "triage" {
    display_name = "Triage"
    step "title" {
      display_name = "Title"
      column       = "cts_name"
    }
  }
  stage "work" {
    display_name = "Work"
    on_enter     = [workflow.note_work]
    step "title" {
      display_name = "Title"
      column       = "cts_name"
    }
  }
  stage "review" {
    display_name = "Review"
    on_enter     = [workflow.note_review]
    step "title" {
      display_name = "Title"
      column       = "cts_name"
    }
  }
}

workflow "note_work" {
  display_name = "Note work"
  table        = "cts_ticket"
  step "email" {
    send_email = {
      to      = "desk@contoso.example"
      subject = "work"
      body    = self.cts_name
    }
  }
}

workflow "note_review" {
  display_name = "Note review"
  table        = "cts_ticket"
  step "email" {
    send_email = {
      to      = "desk@contoso.example"
      subject = "review"
      body    = self.cts_name
    }
  }
}
`,
}

const (
	servers    = 3
	writers    = 12 // each moves an instance of its own
	contenders = 4  // all move one more instance, racing with ETags
	load       = 6 * time.Second
	killAfter  = 2 * time.Second
)

// TestThreeServersOneDatabase: three bpfc serve processes on one
// PostgreSQL database are one environment. Writers move instances through
// all three while one server is killed with SIGKILL; afterwards every
// acknowledged move is in the stage log exactly once (a move whose answer
// was lost with the server is there at most once, as the instance shows),
// and every job the moves queued ran exactly once: each succeeded and
// wrote exactly one email.
func TestThreeServersOneDatabase(t *testing.T) {
	pgtest.Skip(t)
	if testing.Short() {
		t.Skip("-short: the scale-out test builds bpfc and runs three servers")
	}
	url := pgtest.URL(t)
	bin := build(t)
	dir := t.TempDir()
	for name, src := range project {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Replace(src, "STORE", url, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bpfc(t, bin, dir, "deploy", "--env", "dev")
	var tok struct{ Token string }
	if err := json.Unmarshal(bpfc(t, bin, dir, "--output", "json", "user", "token", "admin", "--env", "dev"), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token: %v", err)
	}
	c := &client{token: tok.Token, hc: &http.Client{Timeout: 15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for i := range servers {
		c.servers = append(c.servers, serve(t, bin, dir, fmt.Sprint("bpfc-scaleout-", i)))
	}
	// A server killed after it sent COMMIT still commits: PostgreSQL reads
	// what the socket holds before it sees the end. A writer whose answer
	// was lost reads the instance again only once the killed server's
	// sessions are gone.
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c.settle = func() error {
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1`, c.servers[1].app).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
		}
		return errors.New("the killed server's database sessions did not end within 30s")
	}

	ctx := context.Background()
	ins := make([]*instance, writers+1)
	for i := range ins {
		var err error
		if ins[i], err = c.newInstance(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	deadline := time.Now().Add(load)
	for i := range writers {
		wg.Go(func() { c.drive(t, ins[i], i, deadline) })
	}
	race := &raceStats{}
	for i := range contenders {
		wg.Go(func() { c.contend(t, ins[writers], i, deadline, race) })
	}
	time.Sleep(killAfter)
	victim := c.servers[1]
	var sessions int
	if err := db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1`, victim.app).Scan(&sessions); err != nil ||
		sessions == 0 {
		t.Errorf("the server to kill has no database sessions named %s (%v): a lost answer cannot be settled", victim.app, err)
	}
	acksBeforeKill := victim.acks.Load()
	victim.dead.Store(true)
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	wg.Wait()
	if t.Failed() {
		c.logs(t)
		return
	}
	var acked, unacked, unknown int
	for _, in := range ins[:writers] {
		acked += in.acked
		unacked += in.unacked
		unknown += in.unknown
	}
	t.Logf("%d writers: %d moves acknowledged, %d answers lost with the killed server (%d of them committed); "+
		"%d contenders on one instance: %d acknowledged, %d refused as stale, %d answers lost; the killed server acknowledged %d moves before SIGKILL",
		writers, acked, unknown, unacked, contenders, race.acked.Load(), race.refused.Load(), race.unknown.Load(), acksBeforeKill)
	if acksBeforeKill == 0 || acked == 0 || race.acked.Load() == 0 {
		t.Fatalf("too little load to test anything: %d moves through the killed server before SIGKILL", acksBeforeKill)
	}

	s, err := postgres.Open(ctx, url, postgres.Options{Name: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The live workers finish the queue; the jobs the killed server held
	// stay leased to it until the lease ends.
	dead := fmt.Sprintf(":%d:", victim.cmd.Process.Pid)
	waitFor(t, 60*time.Second, "the live workers to finish the queue", func() (bool, string) {
		jobs := listJobs(t, s)
		pending := 0
		for _, j := range jobs {
			if !j.Done() && !(j.State == store.JobRunning && strings.Contains(j.LeaseOwner, dead)) {
				pending++
			}
		}
		return pending == 0, fmt.Sprintf("%d of %d jobs pending", pending, len(jobs))
	})
	for _, sv := range c.servers {
		sv.stop(t)
	}
	// A worker whose clock is past those leases takes the killed server's
	// jobs over, as any live server would once the lease ends.
	held := 0
	for _, j := range listJobs(t, s) {
		if j.State == store.JobRunning {
			held++
		}
	}
	late := workflow.New(s, workflow.Options{Owner: "takeover", Now: func() time.Time { return time.Now().Add(10 * time.Minute) }})
	if _, err := late.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d jobs were held by the killed server and taken over after their lease", held)

	check(t, s, ins, race)
}

// check compares the database with what the clients saw.
func check(t *testing.T, s store.Store, ins []*instance, race *raceStats) {
	jobs := listJobs(t, s)
	var emails []store.Email
	read(t, s, func(tx store.Tx) error {
		var err error
		emails, err = tx.(store.JobTx).Emails(store.EmailFilter{})
		return err
	})
	perJob := map[int64]int{}
	for _, e := range emails {
		perJob[e.JobID]++
	}
	queued := map[string]map[string]int{} // instance -> workflow -> jobs
	for _, j := range jobs {
		if j.State != store.JobSucceeded || perJob[j.ID] != 1 {
			t.Errorf("job %d (%s for %s, %s): %s after %d attempts, %d emails (%s)", j.ID, j.Workflow, j.InstanceID, j.Trigger,
				j.State, j.Attempts, perJob[j.ID], j.LastError)
		}
		delete(perJob, j.ID)
		if queued[j.InstanceID] == nil {
			queued[j.InstanceID] = map[string]int{}
		}
		queued[j.InstanceID][j.Workflow]++
	}
	for id, n := range perJob {
		t.Errorf("%d emails of job %d, which does not exist", n, id)
	}
	for k, in := range ins {
		var visits []store.StageVisit
		read(t, s, func(tx store.Tx) error {
			var err error
			visits, err = tx.StageVisits(store.StageVisitFilter{InstanceID: in.id})
			return err
		})
		var got []string
		entered := map[string]int{}
		for i, v := range visits {
			got = append(got, v.Stage)
			entered[v.Stage]++
			if open := v.LeftOn.IsZero(); open != (i == len(visits)-1) {
				t.Errorf("instance %d: visit %d of %d is open=%v", k, i+1, len(visits), open)
			}
		}
		if k < writers {
			want := append([]string{"triage", "work"}, in.moves...)
			if !slices.Equal(got, want) {
				t.Errorf("instance %d: stage log %v,\nthe client's committed moves %v", k, got, want)
			}
		} else {
			// Racing writers: each acknowledged move is one visit; a move
			// whose answer was lost may be one too. Stages alternate.
			n := int64(len(got) - 2)
			if n < race.acked.Load() || n > race.acked.Load()+race.unknown.Load() {
				t.Errorf("contended instance: %d moves in the stage log, %d acknowledged, %d unknown", n, race.acked.Load(), race.unknown.Load())
			}
			for i := 2; i < len(got); i++ {
				if got[i] == got[i-1] {
					t.Errorf("contended instance: stage log %v enters %s twice in a row", got, got[i])
					break
				}
			}
		}
		if queued[in.id]["note_work"] != entered["work"] || queued[in.id]["note_review"] != entered["review"] {
			t.Errorf("instance %d entered work %d and review %d times; jobs: %v", k, entered["work"], entered["review"], queued[in.id])
		}
	}
}

// build compiles the bpfc binary.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bpfc")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/bpfc/bpfc/cmd/bpfc").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// bpfc runs the binary in the project and returns its standard output.
func bpfc(t *testing.T, bin, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bpfc %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

// server is one bpfc serve process.
type server struct {
	app  string // its sessions' application_name
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT/api/data/v9.2/
	log  *syncBuffer
	dead atomic.Bool
	acks atomic.Int64
	done bool
}

func serve(t *testing.T, bin, dir, app string) *server {
	t.Helper()
	sv := &server{app: app, log: &syncBuffer{}}
	sv.cmd = exec.Command(bin, "-C", dir, "--output", "json", "serve", "--env", "dev", "--addr", "127.0.0.1:0")
	sv.cmd.Env = append(os.Environ(), "PGAPPNAME="+app)
	sv.cmd.Stderr = sv.log
	stdout, err := sv.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sv.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sv.stop(t) })
	var info struct{ URL string }
	out := bufio.NewReader(stdout)
	if err := json.NewDecoder(out).Decode(&info); err != nil || info.URL == "" {
		t.Fatalf("bpfc serve: %v; stderr:\n%s", err, sv.log.String())
	}
	go io.Copy(io.Discard, out)
	sv.base = strings.TrimSuffix(info.URL, "/") + "/"
	return sv
}

// stop ends a server gracefully (SIGTERM), if it still runs.
func (sv *server) stop(t *testing.T) {
	if sv.done {
		return
	}
	sv.done = true
	if sv.dead.Load() {
		return
	}
	sv.dead.Store(true)
	sv.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- sv.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("bpfc serve exited with %v; stderr:\n%s", err, sv.log.tail())
		}
	case <-time.After(20 * time.Second):
		sv.cmd.Process.Kill()
		t.Errorf("bpfc serve did not stop on SIGTERM")
	}
}

// client speaks to the servers.
type client struct {
	token   string
	hc      *http.Client
	servers []*server
	settle  func() error // waits until the killed server's transactions ended
}

// live picks a live server, starting at i.
func (c *client) live(i int) *server {
	for k := range c.servers {
		if sv := c.servers[(i+k)%len(c.servers)]; !sv.dead.Load() {
			return sv
		}
	}
	return c.servers[0]
}

// errLost: the request got no answer (its server died).
var errLost = errors.New("no answer")

func (c *client) call(ctx context.Context, sv *server, method, path string, body any, out any, ifMatch string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, sv.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w (%v)", method, path, errLost, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w (%v)", method, path, errLost, err)
	}
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, err
		}
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusPreconditionFailed && resp.StatusCode != http.StatusConflict {
		return resp, fmt.Errorf("%s %s: %s %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	resp.Header.Set("X-Test-Body", strings.TrimSpace(string(data)))
	return resp, nil
}

// instance is a ticket's flow instance as its client knows it.
type instance struct {
	id, path string
	stageID  map[string]string // stage name -> process stage id
	stage    string            // where it is
	etag     string
	moves    []string // the stages it entered after work, committed
	acked    int      // moves answered 204
	unacked  int      // moves whose answer was lost but that committed
	unknown  int      // moves whose answer was lost
}

// newInstance creates a ticket (which starts the flow at triage) and moves
// it to work.
func (c *client) newInstance(ctx context.Context, n int) (*instance, error) {
	sv := c.live(n)
	resp, err := c.call(ctx, sv, "POST", "cts_tickets", map[string]any{"cts_name": fmt.Sprint("Ticket ", n)}, nil, "")
	if err != nil {
		return nil, err
	}
	in := &instance{id: resp.Header.Get("BPFC-Instance"), stageID: map[string]string{}}
	if in.id == "" {
		return nil, errors.New("creating a ticket started no flow (no BPFC-Instance header)")
	}
	in.path = "cts_ticketflows(" + in.id + ")"
	var path struct {
		ProcessStages []struct {
			ID   string `json:"processstageid"`
			Name string `json:"uniquename"`
		}
	}
	if _, err := c.call(ctx, sv, "GET", "RetrieveActivePath(ProcessInstanceId="+in.id+")", nil, &path, ""); err != nil {
		return nil, err
	}
	for _, s := range path.ProcessStages {
		in.stageID[s.Name] = s.ID
	}
	if len(in.stageID) != 3 {
		return nil, fmt.Errorf("active path %v", in.stageID)
	}
	resp, err = c.call(ctx, sv, "PATCH", in.path, move(in.stageID["work"]), nil, "")
	if err != nil || resp.StatusCode != http.StatusNoContent {
		return nil, fmt.Errorf("moving to work: %v %v", err, resp.Status)
	}
	in.stage, in.etag = "work", resp.Header.Get("ETag")
	return in, nil
}

func move(stageID string) map[string]any {
	return map[string]any{"activestageid@odata.bind": "/processstages(" + stageID + ")"}
}

func other(stage string) string {
	if stage == "work" {
		return "review"
	}
	return "work"
}

// drive moves one instance back and forth through the live servers, with
// If-Match, until the deadline. When an answer is lost it reads the
// instance back to learn whether the move committed.
func (c *client) drive(t *testing.T, in *instance, n int, deadline time.Time) {
	ctx := context.Background()
	for i := n; time.Now().Before(deadline); i++ {
		sv := c.live(i)
		to := other(in.stage)
		resp, err := c.call(ctx, sv, "PATCH", in.path, move(in.stageID[to]), nil, in.etag)
		switch {
		case errors.Is(err, errLost):
			in.unknown++
			if err := c.resync(ctx, in, to, i+1); err != nil {
				t.Error(err)
				return
			}
		case err != nil:
			t.Errorf("instance %d: %v", n, err)
			return
		case resp.StatusCode != http.StatusNoContent:
			t.Errorf("instance %d, the only writer: moving to %s with If-Match %s through server %d answered %s %s", n, to, in.etag,
				i%len(c.servers), resp.Status, resp.Header.Get("X-Test-Body"))
			return
		default:
			sv.acks.Add(1)
			in.acked++
			in.moves = append(in.moves, to)
			in.stage, in.etag = to, resp.Header.Get("ETag")
		}
	}
}

// resync reads the instance from a live server after a lost answer, once
// the transactions of the server that lost it ended.
func (c *client) resync(ctx context.Context, in *instance, to string, i int) error {
	if err := c.settle(); err != nil {
		return err
	}
	var row struct {
		Stage string `json:"_activestageid_value"`
	}
	for try := 0; ; try++ {
		resp, err := c.call(ctx, c.live(i+try), "GET", in.path+"?$select=_activestageid_value", nil, &row, "")
		if errors.Is(err, errLost) && try < 5 {
			continue
		}
		if err != nil {
			return err
		}
		etag := resp.Header.Get("ETag")
		if etag == in.etag {
			return nil // the move never committed
		}
		if row.Stage != in.stageID[to] || version(etag) != version(in.etag)+1 {
			return fmt.Errorf("instance %s after a lost move to %s: stage %s, ETag %s (was %s)", in.id, to, row.Stage, etag, in.etag)
		}
		in.unacked++
		in.moves = append(in.moves, to)
		in.stage, in.etag = to, etag
		return nil
	}
}

// version is the row version in an ETag (W/"7").
func version(etag string) int64 {
	v, _ := strconv.ParseInt(strings.Trim(strings.TrimPrefix(etag, "W/"), `"`), 10, 64)
	return v
}

type raceStats struct{ acked, refused, unknown atomic.Int64 }

// contend reads the shared instance and moves it with its ETag, racing the
// other contenders through all servers.
func (c *client) contend(t *testing.T, in *instance, n int, deadline time.Time, st *raceStats) {
	ctx := context.Background()
	for i := n; time.Now().Before(deadline); i++ {
		var row struct {
			Stage string `json:"_activestageid_value"`
		}
		resp, err := c.call(ctx, c.live(i), "GET", in.path+"?$select=_activestageid_value", nil, &row, "")
		if errors.Is(err, errLost) {
			continue
		}
		if err != nil {
			t.Errorf("contender %d: %v", n, err)
			return
		}
		to := "review"
		if row.Stage == in.stageID["review"] {
			to = "work"
		}
		sv := c.live(i + 1)
		resp, err = c.call(ctx, sv, "PATCH", in.path, move(in.stageID[to]), nil, resp.Header.Get("ETag"))
		switch {
		case errors.Is(err, errLost):
			st.unknown.Add(1)
		case err != nil:
			t.Errorf("contender %d: %v", n, err)
			return
		case resp.StatusCode == http.StatusNoContent:
			sv.acks.Add(1)
			st.acked.Add(1)
		default: // 412 or 409: another contender moved it first
			st.refused.Add(1)
		}
	}
}

func (c *client) logs(t *testing.T) {
	for i, sv := range c.servers {
		t.Logf("server %d stderr (tail):\n%s", i, sv.log.tail())
	}
}

func read(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func listJobs(t *testing.T, s store.Store) []store.Job {
	t.Helper()
	var jobs []store.Job
	read(t, s, func(tx store.Tx) error {
		var err error
		jobs, err = tx.(store.JobTx).Jobs(store.JobFilter{})
		return err
	})
	return jobs
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	end := time.Now().Add(limit)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("waited %v for %s: %s", limit, what, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) tail() string {
	out := s.String()
	if len(out) > 4000 {
		out = "…" + out[len(out)-4000:]
	}
	return out
}
