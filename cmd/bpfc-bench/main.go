// Command bpfc-bench measures stage transitions over the Web API on
// loopback: it deploys an example project (examples/sales) into a fresh
// SQLite environment in a temporary directory, serves it with bpfc's Web
// API on 127.0.0.1, and drives it over HTTP with concurrent writers, each
// moving a phone-to-case instance back and forth between two stages with
// PATCH activestageid and If-Match, as a client of the Dataverse Web API
// would. It reports transitions per second and the latency of each move
// (p50, p99), beside Dataverse's published service protection limit
// (6,000 requests per 5 minutes per user).
//
// A second phase puts 32 writers (-contenders) on one instance: each reads
// the instance and moves it with its ETag. Only one of two racing moves
// may apply; the bench checks that the moves acknowledged (204) are
// exactly the new rows of the instance's stage log: nothing lost, nothing
// doubled.
//
// It is bounded: -duration and -max-requests stop each phase, and it sends
// traffic only to the loopback server it starts.
//
//	go run ./cmd/bpfc-bench [-writers 4] [-duration 10s] [-contenders 32]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/solution"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	example     string
	writers     int
	contenders  int
	duration    time.Duration
	maxRequests int
	json        bool
	keep        bool
	cpuprofile  string
}

// Report is what the bench measured; -json prints it.
type Report struct {
	Backend     string  `json:"backend"`
	Writers     int     `json:"writers"`
	DurationS   float64 `json:"duration_s"`
	Transitions int64   `json:"transitions"`
	Errors      int64   `json:"errors"`
	PerSecond   float64 `json:"transitions_per_s"`
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	MaxMS       float64 `json:"max_ms"`
	// Dataverse's service protection limit: 6,000 requests per 5 minutes
	// per user, i.e. 20 per second.
	DataverseLimitPerS float64     `json:"dataverse_limit_per_s"`
	Contention         *Contention `json:"contention,omitempty"`
}

// Contention is the phase of many writers on one instance.
type Contention struct {
	Writers      int     `json:"writers"`
	Attempts     int64   `json:"attempts"`
	Acknowledged int64   `json:"acknowledged"`
	Refused      int64   `json:"refused"` // 412 stale ETag or 409 concurrent change
	Errors       int64   `json:"errors"`
	LogEntries   int64   `json:"stage_log_entries"` // new rows of the stage log
	Lost         int64   `json:"lost"`              // acknowledged - log entries (must be 0)
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bpfc-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.example, "example", "examples/sales", "the example project to deploy (its copy; the original is not touched)")
	fs.IntVar(&o.writers, "writers", 4, "concurrent writers, each on its own instance")
	fs.IntVar(&o.contenders, "contenders", 32, "writers on one instance in the contention phase (0: skip it)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each phase runs at most")
	fs.IntVar(&o.maxRequests, "max-requests", 200_000, "how many moves each phase sends at most")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary environment and print where it is")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to `FILE`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.writers < 1 || o.writers > 1024 || o.contenders < 0 || o.contenders > 1024 || o.duration <= 0 || o.duration > time.Hour || o.maxRequests < 1 {
		fmt.Fprintln(stderr, "bpfc-bench: -writers and -contenders 1..1024, -duration up to 1h, -max-requests at least 1")
		return 2
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, "bpfc-bench:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "bpfc-bench:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bpfc-bench:", err)
		return 1
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printReport(stdout, rep)
	}
	if rep.Contention != nil && rep.Contention.Lost != 0 {
		return 1
	}
	return 0
}

// env is the served environment.
type env struct {
	s     store.Store
	base  string // http://127.0.0.1:PORT/api/data/v9.2/
	token string
	hc    *http.Client
	stop  func()
}

func bench(o *options, stderr io.Writer) (*Report, error) {
	tmp, err := os.MkdirTemp("", "bpfc-bench-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		fmt.Fprintln(stderr, "environment kept in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	e, err := setup(o, tmp, stderr)
	if err != nil {
		return nil, err
	}
	defer e.stop()
	rep, err := throughput(e, o)
	if err != nil {
		return nil, err
	}
	if o.contenders > 0 {
		if rep.Contention, err = contention(e, o); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// setup deploys a copy of the example to a new SQLite environment and
// serves it on a loopback port.
func setup(o *options, tmp string, stderr io.Writer) (*env, error) {
	dir := filepath.Join(tmp, "project")
	if err := os.CopyFS(dir, os.DirFS(o.example)); err != nil {
		return nil, fmt.Errorf("copying %s: %w", o.example, err)
	}
	os.RemoveAll(filepath.Join(dir, ".bpfc"))
	os.RemoveAll(filepath.Join(dir, "dist"))
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", o.example, diags.Error())
	}
	envName := "dev"
	if p.Environment(envName) == nil || p.Environment(envName).URL != "" || p.Environment(envName).Store != "" {
		return nil, fmt.Errorf("%s needs a local environment dev with the default store", o.example)
	}
	res, err := solution.Build(p, filepath.Join(tmp, "dist"))
	if err != nil {
		return nil, err
	}
	read := func(path string) (deploy.Archive, error) {
		data, err := os.ReadFile(path)
		return deploy.Archive{Name: filepath.Base(path), Data: data}, err
	}
	un, err := read(res.Unmanaged)
	if err != nil {
		return nil, err
	}
	ma, err := read(res.Managed)
	if err != nil {
		return nil, err
	}
	b, err := deploy.NewBuild(p, un, ma)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	pl := &deploy.Pipeline{Project: p, Getenv: noEnv}
	if _, err := pl.Deploy(ctx, envName, b, deploy.Options{Who: "bpfc-bench", Getenv: noEnv}); err != nil {
		return nil, err
	}
	s, _, err := environ.Open(ctx, p, envName, environ.Options{MustExist: true})
	if err != nil {
		return nil, err
	}
	srv := webapi.New(webapi.Config{Store: s, Project: p, Env: envName, Getenv: noEnv,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	token, _, err := srv.Engine().As("admin").IssueToken(ctx, "admin", "bpfc-bench")
	if err != nil {
		cancel()
		s.Close()
		return nil, err
	}
	tr := &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, IdleConnTimeout: time.Minute,
		DialContext: loopbackOnly}
	e := &env{s: s, base: "http://" + ln.Addr().String() + webapi.Prefix, token: token,
		hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	e.stop = func() {
		cancel()
		<-done
		tr.CloseIdleConnections()
		s.Close()
	}
	return e, nil
}

// loopbackOnly dials only loopback addresses: the bench sends nothing
// beyond this machine.
func loopbackOnly(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("bpfc-bench sends traffic only to loopback, not %s", addr)
	}
	return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
}
