package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// With -bpfc, each server is a bpfc serve process of that binary: its
// own Go runtime (GOMAXPROCS from -server-procs), as servers run in
// production, rather than a Web API in the bench's process beside the
// writers.

// setStore writes store = url into the environment block named env of the
// project in dir, so that bpfc serve processes started there use the
// bench's scratch database.
func setStore(dir, env, url string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil {
		return err
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, diags := hclwrite.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() {
			return fmt.Errorf("%s: %s", path, diags.Error())
		}
		for _, b := range f.Body().Blocks() {
			if b.Type() == "environment" && len(b.Labels()) == 1 && b.Labels()[0] == env {
				b.Body().SetAttributeValue("store", cty.StringVal(url))
				return os.WriteFile(path, f.Bytes(), 0o644)
			}
		}
	}
	return fmt.Errorf("no environment %q in %s", env, dir)
}

// serverProcess is one bpfc serve.
type serverProcess struct {
	cmd *exec.Cmd
	url string   // its Web API: http://127.0.0.1:PORT/api/data/v9.2/
	log *os.File // its stderr (the request log), as a file: as a service's log would be
}

// startServer starts bpfc serve for environment env of the project in
// dir on a free loopback port, on procs Go processors (0: Go's default),
// with extra (KEY=VALUE) added to its environment and its log in logPath,
// and waits until it says where it listens.
func startServer(ctx context.Context, bin, dir, env string, procs int, extra []string, logPath string) (*serverProcess, error) {
	cmd := exec.Command(bin, "-C", dir, "--output", "json", "serve", "--env", env, "--addr", "127.0.0.1:0", "--no-worker")
	cmd.Env = os.Environ()
	if procs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	// Later entries win (os/exec keeps the last of a key).
	cmd.Env = append(cmd.Env, extra...)
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	sp := &serverProcess{cmd: cmd, log: log}
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s serve: %w", bin, err)
	}
	type answer struct {
		URL string `json:"url"`
		err error
	}
	got := make(chan answer, 1)
	go func() {
		var a answer
		a.err = json.NewDecoder(bufio.NewReader(stdout)).Decode(&a)
		got <- a
		io.Copy(io.Discard, stdout)
	}()
	select {
	case a := <-got:
		if a.err != nil || a.URL == "" {
			sp.stop()
			return nil, fmt.Errorf("%s serve said no address (%v): %s", bin, a.err, sp.logTail())
		}
		sp.url = strings.TrimSuffix(a.URL, "/") + "/"
	case <-time.After(30 * time.Second):
		sp.stop()
		return nil, fmt.Errorf("%s serve did not start within 30s: %s", bin, sp.logTail())
	case <-ctx.Done():
		sp.stop()
		return nil, ctx.Err()
	}
	return sp, nil
}

// stop ends the server gracefully (SIGTERM), or kills it after 10s.
func (sp *serverProcess) stop() {
	defer sp.log.Close()
	if sp.cmd.Process == nil {
		return
	}
	sp.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { sp.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		sp.cmd.Process.Kill()
		<-done
	}
}

// logTail is the end of the server's log, for an error.
func (sp *serverProcess) logTail() string {
	b, _ := os.ReadFile(sp.log.Name())
	return string(b[max(0, len(b)-4096):])
}

// cpu is the CPU time the server process used so far (Linux: /proc; 0
// elsewhere).
func (sp *serverProcess) cpu() time.Duration {
	_, own, _, _ := procTimes(fmt.Sprintf("/proc/%d/stat", sp.cmd.Process.Pid))
	return own
}
