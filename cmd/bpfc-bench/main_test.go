package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// benchReport runs the bench with args and decodes its report.
func benchReport(t *testing.T, args ...string) *Report {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"-example", "../../examples/sales", "-json"}, args...), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// checkReport: moves are acknowledged without errors, within the bounds,
// on the servers asked for; on the contended instance every acknowledged
// move is one row of the stage log.
func checkReport(t *testing.T, r *Report, servers []int, maxRequests int64) {
	t.Helper()
	if len(r.Throughput) != len(servers) {
		t.Fatalf("%d throughput phases, want %d", len(r.Throughput), len(servers))
	}
	for i, th := range r.Throughput {
		if th.Servers != servers[i] || th.Transitions == 0 || th.Errors != 0 || th.Transitions > maxRequests {
			t.Errorf("phase %d: %+v", i, th)
		}
		if runtime.GOOS == "linux" && (th.ProcessCPUPerMoveUS <= 0 || th.MachineBusy <= 0 || th.MachineBusy > 1) {
			t.Errorf("phase %d's CPU: %+v", i, th)
		}
	}
	c := r.Contention
	if c == nil || c.Acknowledged == 0 || c.Lost != 0 || c.Errors != 0 || c.LogEntries != c.Acknowledged || c.Attempts > maxRequests ||
		c.Servers != servers[len(servers)-1] {
		t.Errorf("contention: %+v", c)
	}
}

// TestBench runs a short bench on SQLite, on one Go processor (-procs),
// which it gives back when it ends.
func TestBench(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	r := benchReport(t, "-writers", "2", "-contenders", "8", "-duration", "500ms", "-max-requests", "400", "-procs", "1")
	if r.Backend != "sqlite" || r.Pgbench != nil || r.GoMaxProcs != 1 || r.Cores != runtime.NumCPU() {
		t.Errorf("report: %+v", r)
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS %d after the bench, was %d", after, before)
	}
	checkReport(t, r, []int{1}, 400)
}

// TestBenchPostgres runs a short bench on PostgreSQL with one, then two
// servers, beside pgbench when it is installed. Where the server runs on
// this machine, each phase counts its CPU, and pgbench's.
func TestBenchPostgres(t *testing.T) {
	pgtest.Skip(t)
	url := pgtest.URL(t)
	r := benchReport(t, "-store", "postgres", "-postgres", url, "-servers", "1,2", "-writers", "3", "-contenders", "6",
		"-duration", "1s", "-max-requests", "600")
	if r.Backend != "postgres" || r.Server == "" {
		t.Errorf("report: %+v", r)
	}
	checkReport(t, r, []int{1, 2}, 600)
	local := runtime.GOOS == "linux" && localServer(url) && databaseCPU() > 0
	for _, th := range r.Throughput {
		if local && th.DatabaseCPUPerMoveUS <= 0 {
			t.Errorf("phase %+v: no CPU counted in the local PostgreSQL", th)
		}
	}
	if findPgbench() == "" {
		t.Log("no pgbench installed: no baseline")
		return
	}
	if r.Pgbench == nil || r.Pgbench.TPS <= 0 || r.Pgbench.Clients != 3 {
		t.Fatalf("pgbench: %+v", r.Pgbench)
	}
	if runtime.GOOS == "linux" && (r.Pgbench.ClientCPUPerTxUS <= 0 || local && r.Pgbench.DatabaseCPUPerTxUS <= 0) {
		t.Errorf("pgbench's CPU not counted: %+v", r.Pgbench)
	}
	for _, th := range r.Throughput {
		if th.OfPgbench <= 0 {
			t.Errorf("phase %+v has no share of pgbench's rate", th)
		}
	}
}

// TestBenchServerProcesses runs the servers as bpfc serve processes
// (-bpfc, built here) on one Go processor each: the moves go through them
// (their CPU is counted), nothing is lost, and each server starts with the
// environment -server-procs and -server-env ask for.
func TestBenchServerProcesses(t *testing.T) {
	pgtest.Skip(t)
	if testing.Short() {
		t.Skip("-short: builds bpfc and starts its servers")
	}
	bin := filepath.Join(t.TempDir(), "bpfc")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/bpfc/bpfc/cmd/bpfc").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A wrapper that notes the environment each server starts with.
	probe := filepath.Join(t.TempDir(), "probe")
	wrapper := filepath.Join(t.TempDir(), "bpfc.sh")
	script := "#!/bin/sh\necho \"$GOMAXPROCS $BENCH_PROBE $GODEBUG\" >> '" + probe + "'\nexec '" + bin + "' \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// The bench's own GODEBUG is reported, and its servers inherit it.
	t.Setenv("GODEBUG", "madvdontneed=1")
	r := benchReport(t, "-store", "postgres", "-postgres", pgtest.URL(t), "-pgbench", "none", "-servers", "1,2", "-writers", "3",
		"-contenders", "6", "-duration", "1s", "-max-requests", "600", "-bpfc", wrapper, "-server-procs", "1",
		"-server-env", "BENCH_PROBE=a", "-server-env", "BENCH_PROBE=b c")
	if !r.ServerProcesses || r.ServerProcs != 1 || strings.Join(r.ServerEnv, ";") != "BENCH_PROBE=a;BENCH_PROBE=b c" ||
		r.GoDebug != "madvdontneed=1" {
		t.Errorf("report: %+v", r)
	}
	// One server, then two: three starts, each with the last value given.
	if b, err := os.ReadFile(probe); err != nil || string(b) != strings.Repeat("1 b c madvdontneed=1\n", 3) {
		t.Errorf("the servers' environment: %q (%v)", b, err)
	}
	checkReport(t, r, []int{1, 2}, 600)
	for _, th := range r.Throughput {
		if runtime.GOOS == "linux" && th.ServersCPUPerMoveUS <= 0 {
			t.Errorf("phase %+v: no CPU counted in the server processes", th)
		}
		if th.OneShotStatements != 0 {
			t.Errorf("phase %+v: one-shot statements counted in this process, where no server ran", th)
		}
	}
}

func TestBenchFlags(t *testing.T) {
	for _, args := range [][]string{{"-writers", "0"}, {"-servers", "3"}, {"-store", "mysql"}, {"-store", "postgres", "-postgres", "",
		"-servers", "1"}, {"-servers", "x"}, {"-procs", "-1"}, {"-server-procs", "1"},
		{"-server-env", "GOGC=200"}, {"-bpfc", "bpfc", "-server-env", "=1"}, {"-bpfc", "bpfc", "-server-env", "GOGC"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}
