package main

import (
	"fmt"
	"io"
	"os"

	"github.com/bpfc/bpfc/runtime/deploy"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// statusLine is one line of stderr that long work rewrites, when stderr is
// a terminal: show replaces it with text (nil when there is no terminal),
// clear empties it.
func statusLine(g *globals) (show func(text string), clear func()) {
	if !isTerminal(g.stderr) {
		return nil, func() {}
	}
	return func(text string) { fmt.Fprintf(g.stderr, "\r\033[K%s", text) }, func() { fmt.Fprint(g.stderr, "\r\033[K") }
}

// status is the status line of a build, unpack or report: set shows the
// step under way (nil when there is no terminal), done clears the line.
func status(g *globals) (set func(step string), done func()) {
	show, clear := statusLine(g)
	if show == nil {
		return nil, clear
	}
	return func(step string) { show(step + "…") }, clear
}

// progress shows the phases of an import on one line of stderr when stderr
// is a terminal; the returned function clears the line.
func progress(g *globals, env string, o *deploy.Options) func() {
	show, clear := statusLine(g)
	if show != nil {
		o.Progress = func(msg string) { show("[" + env + "] " + msg) }
	}
	return clear
}
