package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// cpuMark is a point in time for measuring the CPU a phase used: this
// process's (the writers, and the servers it runs), the server processes'
// (-bpfc) and, where /proc/stat can be read, the whole machine's
// (PostgreSQL's too, when it runs here).
type cpuMark struct {
	self       time.Duration
	servers    time.Duration // with -bpfc: the server processes'
	database   time.Duration // PostgreSQL's, when it runs on this machine (env.localDB)
	busy, all  int64         // machine jiffies: not idle, in all
	hasMachine bool
}

func markCPU(e *env) cpuMark {
	var m cpuMark
	for _, sp := range e.procs {
		m.servers += sp.cpu()
	}
	m.self = selfCPU()
	if e.localDB {
		m.database = databaseCPU()
	}
	m.busy, m.all, m.hasMachine = machineJiffies()
	return m
}

// machineJiffies reads the first line of /proc/stat: the machine's CPU
// time busy and in all (idle and iowait are not busy).
func machineJiffies() (busy, all int64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, s := range f[1:] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		all += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, all, true
}

// since fills t's CPU figures for the phase that began at m.
func (m cpuMark) since(e *env, t *Throughput) {
	now := markCPU(e)
	if t.Transitions > 0 {
		t.ProcessCPUPerMoveUS = float64((now.self - m.self).Microseconds()) / float64(t.Transitions)
		if len(e.procs) > 0 {
			t.ServersCPUPerMoveUS = float64((now.servers - m.servers).Microseconds()) / float64(t.Transitions)
		}
		if now.database > m.database {
			t.DatabaseCPUPerMoveUS = float64((now.database - m.database).Microseconds()) / float64(t.Transitions)
		}
	}
	if m.hasMachine && now.hasMachine && now.all > m.all {
		t.MachineBusy = float64(now.busy-m.busy) / float64(now.all-m.all)
	}
}

// procTimes reads /proc/PID/stat (path): the process's command name, the
// CPU time it used and the CPU time its children that it waited for used
// (Linux; ok is false elsewhere).
func procTimes(path string) (comm string, own, children time.Duration, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0, 0, false
	}
	// The command name is in parentheses and may hold spaces; after it,
	// utime, stime, cutime and cstime are the 12th to 15th fields, in
	// clock ticks.
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, 0, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 15 {
		return "", 0, 0, false
	}
	var t [4]int64
	for i := range t {
		if t[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return "", 0, 0, false
		}
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	return s[open+1 : end], tick(t[0] + t[1]), tick(t[2] + t[3]), true
}

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times: 100 on
// every architecture Go supports.
const clockTicks = 100

// databaseCPU is the CPU time PostgreSQL's processes on this machine used
// so far: every postgres process's own, and its children's that it waited
// for — a backend that ends is counted in the postmaster's from then on, so
// a phase's difference holds the connections that came and went in it
// (pgbench's). Other databases of the same server are counted too.
func databaseCPU() time.Duration {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var sum time.Duration
	for _, p := range paths {
		if comm, own, children, ok := procTimes(p); ok && comm == "postgres" {
			sum += own + children
		}
	}
	return sum
}

// localServer says whether the PostgreSQL server of url runs on this
// machine: a loopback address or a Unix socket.
func localServer(url string) bool {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return false
	}
	if strings.HasPrefix(cfg.Host, "/") || cfg.Host == "localhost" {
		return true
	}
	ip := net.ParseIP(cfg.Host)
	return ip != nil && ip.IsLoopback()
}
