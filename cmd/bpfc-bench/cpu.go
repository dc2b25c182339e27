package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuMark is a point in time for measuring the CPU a phase used: this
// process's (the writers, and the servers it runs), the server processes'
// (-bpfc) and, where /proc/stat can be read, the whole machine's
// (PostgreSQL's too, when it runs here).
type cpuMark struct {
	self       time.Duration
	servers    time.Duration // with -bpfc: the server processes'
	busy, all  int64         // machine jiffies: not idle, in all
	hasMachine bool
}

func markCPU(e *env) cpuMark {
	var m cpuMark
	for _, sp := range e.procs {
		m.servers += sp.cpu()
	}
	m.self = selfCPU()
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
	}
	if m.hasMachine && now.hasMachine && now.all > m.all {
		t.MachineBusy = float64(now.busy-m.busy) / float64(now.all-m.all)
	}
}
