package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
)

// reportResult prints an import's result; a refusal or failure exits 1.
// With --output json an error before any import ran, in a declared environment (env != nil), is a
// failed result document too (an unknown environment is the command's error, not a failed import).
func reportResult(g *globals, env *compiler.Environment, mode deploy.Mode, b *deploy.Build, res *deploy.Result, err error) error {
	if res == nil && errors.Is(err, environ.ErrUnknownEnvironment) {
		// No import was tried: the command's own error, as for any
		// command given an environment the project does not have.
		return &exitError{code: 1, msg: err.Error(), detail: &errorDetail{Code: "NotFound", Message: err.Error()}, cause: err}
	}
	if res == nil && err != nil && g.output == "json" && env != nil {
		// No import ran (the store or server could not be reached, …):
		// the same document as any import's, failed, so that CI reads one
		// shape.
		res = &deploy.Result{Environment: env.Name, Managed: env.Managed, Mode: string(mode), Result: deploy.Failed,
			Message: err.Error(), Changes: []deploy.Change{}}
		if errors.Is(err, store.ErrBusy) {
			res.Result = deploy.Busy // opening the store waited too: retry as well
		}
		if b != nil && b.Project != nil {
			res.Solution, res.Version, res.Digest = b.Solution(), b.Version(), b.Digest
		}
	}
	if res == nil {
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		return nil
	}
	if g.output == "json" {
		if werr := writeJSON(g.stdout, res); werr != nil {
			return werr
		}
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		return nil
	}
	if err != nil {
		msg := err.Error()
		// A refusal says what refused it; a failure (the store failed
		// mid-import) says which import, and that it rolled back.
		ref := (*deploy.Refusal)(nil)
		switch {
		case res.Result == deploy.Busy && !errors.Is(err, store.ErrBusy):
			// Not held by another import: a server that could not
			// reach its store to start it (its message says so).
			msg = fmt.Sprintf("import of %s %s into %s did not start, nothing was changed (nor is it in the history): run it again: %s",
				res.Solution, res.Version, res.Environment, msg)
		case res.Result == deploy.Busy:
			// Not refused, not failed: the same command may go through
			// once what held the environment ends — the target's, or the
			// one it promotes from, read to check the build is live there.
			held := "the environment"
			var src *deploy.SourceBusyError
			if errors.As(err, &src) {
				held = fmt.Sprintf("%s, the environment it promotes from", src.Source)
			}
			msg = fmt.Sprintf("import of %s %s into %s gave up waiting for %s, nothing was changed (nor is it in the history): "+
				"run it again, it goes through once the import or transaction holding %s ends (%s)", res.Solution, res.Version, res.Environment, held, held, msg)
		case res.Result == deploy.Failed && res.Solution != "" && deploy.SaysOutcome(err):
			// The import's own message is a clause of its own ("the
			// connection … was lost while it committed, …").
			msg = fmt.Sprintf("import of %s %s into %s: %s", res.Solution, res.Version, res.Environment, res.Message)
		case res.Result == deploy.Failed && res.Solution != "" && !errors.As(err, &ref):
			msg = fmt.Sprintf("import of %s %s into %s failed, nothing was changed: %s", res.Solution, res.Version, res.Environment, msg)
		}
		return &exitError{code: 1, msg: msg}
	}
	flavour := "unmanaged"
	if res.Managed {
		flavour = "managed"
	}
	fmt.Fprintf(g.stdout, "Imported %s %s into %s (%s, %s) in %s\n", res.Solution, res.Version, res.Environment, flavour, res.Mode,
		duration(res.DurationMS))
	fmt.Fprintf(g.stdout, "  digest   %s\n  archive  %s\n  changes  %s\n", res.Digest, res.Archive, changeSummary(res.Changes))
	appliedChanges(g.stdout, res.Changes)
	for _, l := range dataLines(res.Changes) {
		fmt.Fprintf(g.stdout, "  data     %s\n", l)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(g.stderr, "bpfc: note: %s\n", n)
	}
	return nil
}

// maxListedChanges is how many changes a deploy's text lists (a first
// import of a large project adds hundreds); --output json lists them all.
const maxListedChanges = 40

// appliedChanges lists an import's changes under its summary, as plan
// listed them before it, indented, up to maxListedChanges.
func appliedChanges(w io.Writer, cs []deploy.Change) {
	if len(cs) == 0 {
		return
	}
	var b strings.Builder
	table(&b, changeRows(cs[:min(len(cs), maxListedChanges)]))
	for l := range strings.Lines(b.String()) {
		fmt.Fprint(w, "    ", l)
	}
	if n := len(cs) - maxListedChanges; n > 0 {
		fmt.Fprintf(w, "    … and %d more (--output json lists every change)\n", n)
	}
}

// changeRows is the table of a plan's changes; DATA, what a removal does
// to rows, only when one does.
func changeRows(cs []deploy.Change) [][]string {
	detail := slices.ContainsFunc(cs, func(c deploy.Change) bool { return c.Data != "" || c.Note != "" || len(c.Fields) > 0 })
	rows := [][]string{{"ACTION", "KIND", "NAME"}}
	if detail {
		rows[0] = append(rows[0], "DETAIL")
	}
	for _, c := range cs {
		row := []string{c.Action, c.Kind, c.Name}
		if detail {
			row = append(row, changeDetail(c))
		}
		rows = append(rows, row)
	}
	return rows
}

// changeDetail is what a plan's line says beside a change: each changed
// field with its old and new value (a long list by the elements gone and
// new, a very long value only by name: --output json has it in full), then
// what the change does to rows and its note.
func changeDetail(c deploy.Change) string {
	var parts []string
	for _, f := range c.Fields {
		// A long list by its elements; a value up to a line and a half
		// whole (an address with "(the default)" is not hidden).
		if delta, ok := listDelta(f.Old, f.New); ok && len(f.Old)+len(f.New) > 60 {
			parts = append(parts, f.Field+": "+delta)
		} else if len(f.Old)+len(f.New) <= 160 {
			parts = append(parts, f.Field+": "+f.Old+" → "+f.New)
		} else {
			parts = append(parts, f.Field+" changed")
		}
	}
	for _, s := range []string{c.Data, c.Note} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// listDelta says how a long list field changed by its elements: those
// gone (-) and those new (+), or that only their order did; false when the
// values are no lists (fields write lists as JSON arrays of strings) or
// the delta is long too.
func listDelta(old, new string) (string, bool) {
	var o, n []string
	if json.Unmarshal([]byte(old), &o) != nil || json.Unmarshal([]byte(new), &n) != nil {
		return "", false
	}
	count := map[string]int{}
	for _, e := range o {
		count[e]++
	}
	var added []string
	for _, e := range n {
		if count[e] > 0 {
			count[e]--
		} else {
			added = append(added, "+ "+strconv.Quote(e))
		}
	}
	var gone []string
	for _, e := range o {
		if count[e] > 0 {
			count[e]--
			gone = append(gone, "- "+strconv.Quote(e))
		}
	}
	if len(gone)+len(added) == 0 {
		return "the order changed", true
	}
	delta := strings.Join(append(gone, added...), ", ")
	if len(delta) > 240 {
		return "", false
	}
	return delta, true
}

// dataLines are the removals that touch rows, one line each.
func dataLines(cs []deploy.Change) []string {
	var out []string
	for _, c := range cs {
		if c.Data != "" {
			out = append(out, fmt.Sprintf("%s %s %s: %s", c.Action, c.Kind, c.Name, c.Data))
		}
	}
	return out
}

func changeSummary(cs []deploy.Change) string {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Action]++
	}
	s := fmt.Sprintf("%d added, %d changed, %d removed", n["add"], n["change"], n["remove"])
	if n["keep"] > 0 {
		s += fmt.Sprintf(", %d kept", n["keep"])
	}
	return s
}

func duration(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).Round(time.Millisecond).String()
}

// shortDigest abbreviates a build digest for tables.
func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	if d == "" {
		return "-"
	}
	return d
}
