package workflow

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The queue survives a killed process: a worker process queues jobs and
// starts running them; it is killed (SIGKILL) in the middle of a job's
// webhook, with the job's email already sent and the other jobs still
// queued. Two new worker processes then run the queue side by side. Every
// job succeeds, and none ran twice: one email and one answered webhook per
// job (the killed job resumes at its webhook, which is posted again — at
// least once — but answered once).
func TestQueueSurvivesAKilledWorker(t *testing.T) {
	if role := os.Getenv("BPFC_WF_CHILD"); role != "" {
		os.Exit(child(role))
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	const n = 12
	dir := t.TempDir()
	_, path := deployTestProject(t, dir)

	var mu sync.Mutex
	answered := map[string]int{}
	started := 0
	blocked := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		job := r.Header.Get("X-Bpfc-Job")
		mu.Lock()
		started++
		block := started == 3
		mu.Unlock()
		if block { // the third call hangs until its worker dies
			close(blocked)
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		mu.Lock()
		answered[job]++
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	defer close(release)
	setVar(t, path, "hook_url", srv.URL)

	first := startChild(t, "queue-and-work", path, n)
	select {
	case <-blocked:
	case <-time.After(60 * time.Second):
		t.Fatal("the first worker never reached the third webhook")
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	before := jobsIn(t, path)
	if len(before) != n {
		t.Fatalf("%d jobs queued before the kill, want %d", len(before), n)
	}
	var running, queued int
	for _, j := range before {
		switch j.State {
		case store.JobRunning:
			running++
		case store.JobQueued:
			queued++
		}
	}
	if running != 1 || queued != n-3 {
		t.Fatalf("at the kill: %d running and %d queued, want 1 and %d", running, queued, n-3)
	}

	workers := []*exec.Cmd{startChild(t, "work", path, n), startChild(t, "work", path, n)}
	for _, w := range workers {
		if err := w.Wait(); err != nil {
			t.Fatalf("worker: %v", err)
		}
	}

	jobs := jobsIn(t, path)
	emails := map[int64]int{}
	s := openStore(t, path)
	if err := s.Read(context.Background(), func(tx store.Tx) error {
		es, err := tx.(store.JobTx).Emails(store.EmailFilter{})
		for _, e := range es {
			emails[e.JobID]++
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	resumed := 0
	for _, j := range jobs {
		id := strconv.FormatInt(j.ID, 10)
		if j.State != store.JobSucceeded {
			t.Errorf("job %d: %s (%s)", j.ID, j.State, j.LastError)
		}
		if emails[j.ID] != 1 || answered[id] != 1 {
			t.Errorf("job %d: %d emails and %d answered webhooks, want 1 and 1", j.ID, emails[j.ID], answered[id])
		}
		if j.Attempts == 2 {
			resumed++
		}
	}
	if resumed != 1 {
		t.Errorf("%d jobs took two attempts, want 1 (the one killed mid-run)", resumed)
	}
}

// startChild runs this test binary as a child process in role.
func startChild(t *testing.T, role, path string, n int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestQueueSurvivesAKilledWorker$")
	cmd.Env = append(os.Environ(), "BPFC_WF_CHILD="+role, "BPFC_WF_DB="+path, "BPFC_WF_N="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	if role == "queue-and-work" {
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
			}
		}()
	} else {
		cmd.Stdout = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd
}

// child is a process of TestQueueSurvivesAKilledWorker: queue-and-work
// queues n jobs (one per new lead) then runs the queue; work runs the
// queue until all n jobs are done.
func child(role string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	path := os.Getenv("BPFC_WF_DB")
	n, _ := strconv.Atoi(os.Getenv("BPFC_WF_N"))
	s, err := openAt(ctx, path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	// The killed worker's leases are short, so that its job is claimed
	// again soon after the kill; the workers after it hold theirs long
	// enough that a slow machine (CI, -race) never has a live worker's job
	// taken over between its steps — that would post a webhook twice by
	// design, not because of the kill.
	lease := time.Minute
	if role == "queue-and-work" {
		lease = time.Second
	}
	r := New(s, Options{Lease: lease, Backoff: 50 * time.Millisecond, Poll: 20 * time.Millisecond, WebhookTimeout: time.Minute})
	if role == "queue-and-work" {
		e := engine.New(s, engine.Options{Hooks: r})
		for i := range n {
			if _, err := e.As("admin").CreateRecord(ctx, "lead", engine.Values{"lastname": "Lead", "subject": fmt.Sprintf("Lead %d", i)},
				engine.StartOptions{Flow: "queue"}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
	}
	go r.Run(ctx)
	for ctx.Err() == nil {
		js, err := r.Jobs(ctx, store.JobFilter{})
		done := err == nil && len(js) == n
		for _, j := range js {
			done = done && j.Done()
		}
		if done {
			return 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "the queue did not drain")
	return 1
}

func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	s, err := openAt(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func setVar(t *testing.T, path, name, value string) {
	t.Helper()
	s := openStore(t, path)
	defer s.Close()
	if err := s.Write(context.Background(), func(tx store.Tx) error {
		return tx.PutVariableValue(store.VariableValue{SchemaName: "tw_" + name, Value: value, Source: "environment"})
	}); err != nil {
		t.Fatal(err)
	}
}

func jobsIn(t *testing.T, path string) []store.Job {
	t.Helper()
	s := openStore(t, path)
	defer s.Close()
	var js []store.Job
	if err := s.Read(context.Background(), func(tx store.Tx) error {
		var err error
		js, err = tx.(store.JobTx).Jobs(store.JobFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return js
}
