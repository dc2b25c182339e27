// Command bpfc-bench measures stage transitions over the Web API on
// loopback: it deploys an example project (examples/sales) into a fresh
// environment — a SQLite file in a temporary directory, or with -store
// postgres a scratch database on a PostgreSQL server — serves it with bpfc's
// Web API on 127.0.0.1, and drives it over HTTP with concurrent writers,
// each moving a phone-to-case instance back and forth between two stages
// with PATCH activestageid and If-Match, as a client of the Dataverse Web
// API would, each on a kept-alive connection of its own (writerConn). It
// reports transitions per second, the latency of each move
// (p50, p99) and the CPU spent per move (this process's; how busy the
// machine's cores were), beside Dataverse's published service protection
// limit (6,000 requests per 5 minutes per user). -procs runs the process
// on fewer Go processors than cores (GOMAXPROCS), as an operator may run
// bpfc serve beside its PostgreSQL. With -bpfc PATH the servers are bpfc
// serve processes of that binary instead (-server-procs: their
// GOMAXPROCS; -server-env: more of their environment, such as GODEBUG),
// whose CPU per move the bench reads from /proc.
//
// On PostgreSQL, -servers 1,3 runs the writers against one server, then
// against three on the same database (in this process, each with its own
// store and connection pool, the writers spread over them), and before
// that measures the server's raw rate with pgbench in a second scratch
// database: one single-row UPDATE of pgbench_accounts per transaction,
// with as many clients (-c, -j) as there are writers, for the same
// duration. Each phase reports its rate as a share of pgbench's.
//
// A last phase puts 32 writers (-contenders) on one instance (spread over
// the servers): each reads the instance and moves it with its ETag. Only
// one of two racing moves may apply; the bench checks that the moves
// acknowledged (204) are exactly the new rows of the instance's stage log:
// nothing lost, nothing doubled.
//
// It is bounded: -duration and -max-requests stop each phase, and it sends
// traffic only to the loopback servers it starts (and to the PostgreSQL
// server named, whose scratch databases it drops at the end).
//
//	go run ./cmd/bpfc-bench [-writers 4] [-duration 10s] [-contenders 32]
//	go run ./cmd/bpfc-bench -store postgres -postgres postgres://… -servers 1,3 [-pgbench PATH]
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/solution"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	example     string
	store       string // sqlite or postgres
	postgres    string // a login that may create databases
	servers     []int
	pgbench     string // the pgbench binary; "" = none
	writers     int
	contenders  int
	duration    time.Duration
	maxRequests int
	json        bool
	inProcess   bool
	keep        bool
	cpuprofile  string
	bpfc        string // a bpfc binary: servers are bpfc serve processes of it ("": in this process)
	serverProcs int    // with bpfc: their GOMAXPROCS (0: Go's default)
	serverEnv   envList
	localDB     bool // the PostgreSQL server runs on this machine: its CPU can be read from /proc
}

// envList is KEY=VALUE settings that -server-env adds to the servers'
// environment, in the order given.
type envList []string

func (l *envList) String() string { return strings.Join(*l, " ") }

func (l *envList) Set(v string) error {
	k, _, ok := strings.Cut(v, "=")
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return fmt.Errorf("want KEY=VALUE, e.g. GOGC=200")
	}
	*l = append(*l, v)
	return nil
}

// Report is what the bench measured; -json prints it.
type Report struct {
	Backend    string `json:"backend"`          // sqlite or postgres
	Server     string `json:"server,omitempty"` // PostgreSQL's version
	Writers    int    `json:"writers"`
	GoMaxProcs int    `json:"gomaxprocs"`        // the bench process's Go processors: its writers and servers share them
	Cores      int    `json:"cores"`             // the machine's
	GoDebug    string `json:"godebug,omitempty"` // this process's GODEBUG, which its servers inherit (with -bpfc too)
	// With -bpfc the servers are bpfc serve processes, on ServerProcs Go
	// processors each (0: Go's default).
	ServerProcesses bool          `json:"server_processes,omitempty"`
	ServerProcs     int           `json:"server_procs,omitempty"`
	ServerEnv       []string      `json:"server_env,omitempty"` // -server-env: what the servers' environment had added
	Pgbench         *Pgbench      `json:"pgbench,omitempty"`
	Throughput      []*Throughput `json:"throughput"`
	// InProcess is the same writers calling the first server's engine in
	// its process: bpfc without HTTP (-in-process).
	InProcess *Throughput `json:"in_process,omitempty"`
	// Dataverse's service protection limit: 6,000 requests per 5 minutes
	// per user, i.e. 20 per second.
	DataverseLimitPerS float64     `json:"dataverse_limit_per_s"`
	Contention         *Contention `json:"contention,omitempty"`
}

// Throughput is one phase of writers on instances of their own.
type Throughput struct {
	Servers     int     `json:"servers"`
	Writers     int     `json:"writers"`
	DurationS   float64 `json:"duration_s"`
	Transitions int64   `json:"transitions"`
	Errors      int64   `json:"errors"`
	PerSecond   float64 `json:"transitions_per_s"`
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	MaxMS       float64 `json:"max_ms"`
	OfPgbench   float64 `json:"of_pgbench,omitempty"` // PerSecond / Pgbench.TPS
	Via         string  `json:"via,omitempty"`        // "engine" for the in-process phase; "" = the Web API
	// The one-shot writes of the servers' stores in the phase and the
	// statements that applied them (PostgreSQL; see sqlstore.OneShotStats).
	OneShotWrites     int64 `json:"one_shot_writes,omitempty"`
	OneShotStatements int64 `json:"one_shot_statements,omitempty"`
	// The CPU the bench process (writers and servers) spent per move, and
	// how busy the machine's cores were in the phase (Linux; 0 = unknown).
	ProcessCPUPerMoveUS float64 `json:"process_cpu_per_move_us,omitempty"`
	ServersCPUPerMoveUS float64 `json:"servers_cpu_per_move_us,omitempty"` // with -bpfc: the server processes'
	// PostgreSQL's processes' when the server runs on this machine
	// (databaseCPU).
	DatabaseCPUPerMoveUS float64 `json:"database_cpu_per_move_us,omitempty"`
	MachineBusy          float64 `json:"machine_busy,omitempty"`
}

// Pgbench is the raw single-row update rate of the PostgreSQL server.
type Pgbench struct {
	Clients   int     `json:"clients"`
	DurationS float64 `json:"duration_s"`
	TPS       float64 `json:"tps"`
	Script    string  `json:"script"`
	// CPU per transaction (Linux): PostgreSQL's, when it runs on this
	// machine, and pgbench's own.
	DatabaseCPUPerTxUS float64 `json:"database_cpu_per_tx_us,omitempty"`
	ClientCPUPerTxUS   float64 `json:"client_cpu_per_tx_us,omitempty"`
}

// Contention is the phase of many writers on one instance.
type Contention struct {
	Writers      int     `json:"writers"`
	Servers      int     `json:"servers"`
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
	fs.StringVar(&o.store, "store", "sqlite", "the environment's store: sqlite or postgres")
	fs.StringVar(&o.postgres, "postgres", os.Getenv("BPFC_TEST_POSTGRES"), "with -store postgres: the `URL` of a login that may create databases (default $BPFC_TEST_POSTGRES)")
	servers := fs.String("servers", "1", "with -store postgres: how many servers, comma-separated for several phases (e.g. 1,3)")
	fs.StringVar(&o.pgbench, "pgbench", "auto", "with -store postgres: the pgbench `binary` for the baseline (auto: from PATH or /usr/lib/postgresql; none: skip)")
	fs.IntVar(&o.writers, "writers", 4, "concurrent writers, each on its own instance")
	fs.IntVar(&o.contenders, "contenders", 32, "writers on one instance in the contention phase (0: skip it)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each phase runs at most")
	fs.IntVar(&o.maxRequests, "max-requests", 200_000, "how many moves each phase sends at most")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.inProcess, "in-process", false, "also run the writers against the first server's engine in its process, without HTTP")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary environment and print where it is")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to `FILE`")
	procs := fs.Int("procs", 0, "run this process (writers and servers) on `N` Go processors, as GOMAXPROCS=N would (0: Go's default)")
	fs.StringVar(&o.bpfc, "bpfc", "", "run each server as a bpfc serve process of this `binary` instead of in this process")
	fs.IntVar(&o.serverProcs, "server-procs", 0, "with -bpfc: the servers' GOMAXPROCS (0: Go's default)")
	fs.Var(&o.serverEnv, "server-env", "with -bpfc: add `KEY=VALUE` to the servers' environment (repeatable), e.g. GODEBUG=schedtrace=2000000000")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *procs < 0 || *procs > 1024 || o.serverProcs < 0 || o.serverProcs > 1024 {
		fmt.Fprintln(stderr, "bpfc-bench: -procs and -server-procs are 0 (Go's default) to 1024")
		return 2
	}
	if *procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(*procs))
	}
	if (o.serverProcs > 0 || len(o.serverEnv) > 0) && o.bpfc == "" {
		fmt.Fprintln(stderr, "bpfc-bench: -server-procs and -server-env are for server processes (-bpfc)")
		return 2
	}
	if o.writers < 1 || o.writers > 1024 || o.contenders < 0 || o.contenders > 1024 || o.duration <= 0 || o.duration > time.Hour || o.maxRequests < 1 {
		fmt.Fprintln(stderr, "bpfc-bench: -writers and -contenders 1..1024, -duration up to 1h, -max-requests at least 1")
		return 2
	}
	for _, f := range strings.Split(*servers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 16 {
			fmt.Fprintln(stderr, "bpfc-bench: -servers is a list of server counts, 1..16 each")
			return 2
		}
		o.servers = append(o.servers, n)
	}
	switch {
	case o.store != "sqlite" && o.store != "postgres":
		fmt.Fprintln(stderr, "bpfc-bench: -store is sqlite or postgres")
		return 2
	case o.store == "sqlite" && (len(o.servers) != 1 || o.servers[0] != 1):
		fmt.Fprintln(stderr, "bpfc-bench: several servers need -store postgres (a SQLite environment is one machine's)")
		return 2
	case o.store == "postgres" && o.postgres == "":
		fmt.Fprintln(stderr, "bpfc-bench: -store postgres needs -postgres URL (or BPFC_TEST_POSTGRES)")
		return 2
	}
	o.localDB = o.store == "postgres" && localServer(o.postgres)
	if o.store != "postgres" || o.pgbench == "none" {
		o.pgbench = ""
	} else if o.pgbench == "auto" {
		o.pgbench = findPgbench()
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
	dropScratch(o, stderr)
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
	if rep.Contention != nil && (rep.Contention.Lost != 0 || rep.Contention.Errors != 0) {
		return 1
	}
	return 0
}

// env is the served environment: one or more servers on one store.
type env struct {
	s      store.Store    // the first server's, for reading the stage log
	stores []store.Store  // every server's
	eng    *engine.Engine // the first server's
	bases  []string       // http://127.0.0.1:PORT/api/data/v9.2/ of each server
	token  string
	hc     *http.Client
	procs  []*serverProcess // with -bpfc: the servers
	// localDB: the PostgreSQL server runs on this machine, so its CPU per
	// move can be read from /proc.
	localDB bool
	stop    func()
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
	rep := &Report{Backend: o.store, Writers: o.writers, GoMaxProcs: runtime.GOMAXPROCS(0), Cores: runtime.NumCPU(),
		GoDebug:         os.Getenv("GODEBUG"),
		ServerProcesses: o.bpfc != "", ServerProcs: o.serverProcs, ServerEnv: o.serverEnv,
		DataverseLimitPerS: 6000.0 / 300}
	p, err := deployed(o, tmp, rep)
	if err != nil {
		return nil, err
	}
	if o.pgbench != "" {
		if rep.Pgbench, err = pgbench(o, tmp); err != nil {
			return nil, err
		}
	}
	token := ""
	for i, n := range o.servers {
		e, err := serve(o, p, n, token, stderr)
		if err != nil {
			return nil, err
		}
		token = e.token
		th, err := throughput(e, o)
		if err == nil && i == 0 && o.inProcess {
			if rep.InProcess, err = inProcess(e, o); err == nil && rep.Pgbench != nil && rep.Pgbench.TPS > 0 {
				rep.InProcess.OfPgbench = rep.InProcess.PerSecond / rep.Pgbench.TPS
			}
		}
		if err == nil && i == len(o.servers)-1 && o.contenders > 0 {
			rep.Contention, err = contention(e, o)
		}
		e.stop()
		if err != nil {
			return nil, err
		}
		if rep.Pgbench != nil && rep.Pgbench.TPS > 0 {
			th.OfPgbench = th.PerSecond / rep.Pgbench.TPS
		}
		rep.Throughput = append(rep.Throughput, th)
	}
	return rep, nil
}

// deployed copies the example and deploys it to its environment dev: a
// new SQLite file, or on PostgreSQL a scratch database (see scratchDB).
func deployed(o *options, tmp string, rep *Report) (*compiler.Project, error) {
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
	if o.store == "postgres" {
		u, version, err := scratchDB(o, "bpfc_bench_")
		if err != nil {
			return nil, err
		}
		p.Environment(envName).Store, rep.Server = u, version
		if o.bpfc != "" {
			if err := setStore(dir, envName, u); err != nil {
				return nil, err
			}
		}
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
	noEnv := func(string) string { return "" }
	pl := &deploy.Pipeline{Project: p, Getenv: noEnv}
	if _, err := pl.Deploy(context.Background(), envName, b, deploy.Options{Who: "bpfc-bench", Getenv: noEnv}); err != nil {
		return nil, err
	}
	return p, nil
}

// serve serves the environment dev of p with n servers on loopback ports,
// each with its own store (its own connection pool), as n processes would:
// Web APIs in this process, or with -bpfc bpfc serve processes (beside one
// Web API here, not listening, whose engine and store the bench uses
// itself). Without a token it issues one for admin.
func serve(o *options, p *compiler.Project, n int, token string, stderr io.Writer) (*env, error) {
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sctx, cancel := context.WithCancel(ctx)
	var stores []store.Store
	var done []chan error
	e := &env{localDB: o.localDB}
	stop := func() {
		for _, sp := range e.procs {
			sp.stop()
		}
		cancel()
		for _, d := range done {
			<-d
		}
		for _, s := range stores {
			s.Close()
		}
	}
	here := n
	if o.bpfc != "" {
		here = 1
	}
	for i := range here {
		s, _, err := environ.Open(ctx, p, "dev", environ.Options{MustExist: true})
		if err != nil {
			stop()
			return nil, err
		}
		stores = append(stores, s)
		srv := webapi.New(webapi.Config{Store: s, Project: p, Env: "dev", Getenv: noEnv, Logger: log})
		if o.bpfc == "" {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				stop()
				return nil, err
			}
			d := make(chan error, 1)
			done = append(done, d)
			go func() { d <- srv.Serve(sctx, ln) }()
			e.bases = append(e.bases, "http://"+ln.Addr().String()+webapi.Prefix)
		}
		if i == 0 {
			e.eng = srv.Engine()
		}
		if i == 0 && token == "" {
			if token, _, err = srv.Engine().As("admin").IssueToken(ctx, "admin", "bpfc-bench"); err != nil {
				stop()
				return nil, err
			}
		}
	}
	if o.bpfc != "" {
		for i := range n {
			logPath := filepath.Join(filepath.Dir(p.Dir), fmt.Sprintf("serve-%d-of-%d.log", i+1, n))
			sp, err := startServer(ctx, o.bpfc, p.Dir, "dev", o.serverProcs, o.serverEnv, logPath)
			if err != nil {
				stop()
				return nil, err
			}
			e.procs = append(e.procs, sp)
			e.bases = append(e.bases, sp.url)
		}
	}
	tr := &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, IdleConnTimeout: time.Minute,
		DialContext: loopbackOnly}
	e.s, e.stores, e.token, e.hc = stores[0], stores, token, &http.Client{Transport: tr, Timeout: 30 * time.Second}
	e.stop = func() {
		stop()
		tr.CloseIdleConnections()
	}
	return e, nil
}

// scratchDBs are the databases the bench created, dropped by dropScratch.
var scratchDBs []string

// scratchDB creates a database named prefix + random hex on the server of
// o.postgres and returns its URL and the server's version.
func scratchDB(o *options, prefix string) (string, string, error) {
	admin, err := adminDB(o.postgres)
	if err != nil {
		return "", "", err
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := prefix + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var version string
	if err := admin.QueryRowContext(ctx, `SHOW server_version`).Scan(&version); err != nil {
		return "", "", fmt.Errorf("connecting to -postgres: %w", err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", "", fmt.Errorf("creating a scratch database: %w", err)
	}
	scratchDBs = append(scratchDBs, name)
	u, _ := url.Parse(o.postgres)
	u.Path = "/" + name
	return u.String(), "PostgreSQL " + strings.Fields(version)[0], nil
}

// dropScratch drops the scratch databases, unless -keep.
func dropScratch(o *options, stderr io.Writer) {
	if len(scratchDBs) == 0 {
		return
	}
	if o.keep {
		fmt.Fprintln(stderr, "scratch databases kept:", strings.Join(scratchDBs, " "))
		return
	}
	admin, err := adminDB(o.postgres)
	if err != nil {
		fmt.Fprintln(stderr, "bpfc-bench: dropping the scratch databases:", err)
		return
	}
	defer admin.Close()
	for _, name := range scratchDBs {
		if _, err := admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			fmt.Fprintf(stderr, "bpfc-bench: dropping scratch database %s: %v\n", name, err)
		}
	}
	scratchDBs = nil
}

func adminDB(u string) (*sql.DB, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "postgres" && pu.Scheme != "postgresql") {
		return nil, fmt.Errorf("-postgres must be a postgres:// URL")
	}
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cfg), nil
}

// pgbenchScript is the baseline transaction: one single-row update.
const pgbenchScript = `\set aid random(1, 100000)
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
`

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// pgbench measures the server's single-row update rate with as many
// clients as the bench has writers, in a scratch database of its own.
func pgbench(o *options, tmp string) (*Pgbench, error) {
	u, _, err := scratchDB(o, "bpfc_pgbench_")
	if err != nil {
		return nil, err
	}
	if out, err := exec.Command(o.pgbench, "-i", "-q", "-s", "1", u).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgbench -i: %v\n%s", err, out)
	}
	script := filepath.Join(tmp, "update.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o644); err != nil {
		return nil, err
	}
	secs := max(1, int(math.Ceil(o.duration.Seconds())))
	n := strconv.Itoa(o.writers)
	var db0 time.Duration
	if o.localDB {
		db0 = databaseCPU()
	}
	cmd := exec.Command(o.pgbench, "-n", "-f", script, "-c", n, "-j", n, "-T", strconv.Itoa(secs), u)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("pgbench printed no rate:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	pb := &Pgbench{Clients: o.writers, DurationS: float64(secs), TPS: tps, Script: pgbenchScript}
	// Per transaction of the rate's: the run's CPU over the transactions
	// it made in its duration.
	if txs := tps * float64(secs); txs > 0 {
		if o.localDB {
			if db := databaseCPU() - db0; db > 0 {
				pb.DatabaseCPUPerTxUS = float64(db.Microseconds()) / txs
			}
		}
		if st := cmd.ProcessState; st != nil {
			if c := st.UserTime() + st.SystemTime(); c > 0 {
				pb.ClientCPUPerTxUS = float64(c.Microseconds()) / txs
			}
		}
	}
	return pb, nil
}

// findPgbench looks for pgbench in PATH, then in Debian's PostgreSQL
// directories (the newest).
func findPgbench() string {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(ms) == 0 {
		return ""
	}
	return ms[len(ms)-1]
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
