package unpack

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
)

// Identifiers. A bpfc name is lowercase [a-z][a-z0-9_]*, at most 64
// characters; labels from an export become names by ident, and names are
// made unique within their scope by a scope.

const maxFallbackLen = 40 // readable names for labels that are whole sentences

// words splits a label into lowercase words of letters and digits. Letters
// outside a-z are folded to their base letter where that is plain (é -> e)
// and dropped otherwise.
func words(label string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range label {
		r = unicode.ToLower(r)
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			cur.WriteRune(r)
		case r == '\'' || r == '’':
			// "Don't" is one word
		default:
			if f := fold(r); f != 0 {
				cur.WriteRune(f)
				continue
			}
			flush()
		}
	}
	flush()
	return out
}

// fold maps common accented Latin letters to their base letter.
func fold(r rune) rune {
	const from, to = "àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ", "aaaaaaceeeeiiiinoooooouuuuyy"
	fr, tr := []rune(from), []rune(to)
	for i, c := range fr {
		if c == r {
			return tr[i]
		}
	}
	return 0
}

// ident turns a label into an identifier: its words joined by "_", starting
// with a letter (prefixed with fallback's first letter otherwise), cut at a
// word boundary to maxFallbackLen. An empty result is fallback.
func ident(label, fallback string) string {
	ws := words(label)
	var b strings.Builder
	for _, w := range ws {
		if b.Len() > 0 && b.Len()+1+len(w) > maxFallbackLen {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(w)
	}
	s := b.String()
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" {
		return fallback
	}
	if s[0] < 'a' || s[0] > 'z' {
		s = fallback + "_" + s
		if len(s) > 64 {
			s = s[:64]
		}
	}
	return strings.TrimRight(s, "_")
}

// validName reports whether s is a valid bpfc name.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// scope hands out names unique within one scope (the flows of a project,
// the stages of a flow, ...): a taken name gets _2, _3, ...
type scope map[string]bool

func (s scope) unique(name string) string {
	if !s[name] {
		s[name] = true
		return name
	}
	for i := 2; ; i++ {
		suffix := "_" + strconv.Itoa(i)
		base := name
		if len(base)+len(suffix) > 64 {
			base = base[:64-len(suffix)]
		}
		if c := base + suffix; !s[c] {
			s[c] = true
			return c
		}
	}
}

// Recovering names. bpfc carries the names of flows, stages, steps, workflows
// and workflow steps in its XAML (bpfc:Name, see emit.ExtensionNamespace), and
// derives every component id from names (compiler.ID: UUIDv5). A carried name
// is tried first; a candidate name is right exactly when it derives the
// component's id. Without a carried name (a real export, or an archive that
// went through Dataverse, which drops the extension) candidates come from
// what the archive keeps of a name: display labels, column names, the flow's
// unique name. Ids that are not version-5 UUIDs (Dataverse's own) are never
// searched. When no candidate derives the id, the carried name is still
// preferred to one made from a label.

// derived reports whether id can be one bpfc derived.
func derived(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.Version() == 5
}

// budget bounds the ids derived while recovering names, so that an archive
// with thousands of components costs a bounded time (about a second).
type budget struct {
	left      int
	exhausted bool
}

const recoveryBudget = 1 << 20

// spend takes one derivation from the budget.
func (b *budget) spend() bool {
	if b.left <= 0 {
		b.exhausted = true
		return false
	}
	b.left--
	return true
}

// recoverName returns the first candidate whose id matches, or "".
func recoverName(bd *budget, id string, idOf func(name string) string, candidates ...[]string) string {
	if !derived(id) {
		return ""
	}
	id = strings.ToLower(strings.Trim(id, "{}"))
	seen := map[string]bool{}
	for _, list := range candidates {
		for _, c := range list {
			if seen[c] || !validName(c) {
				continue
			}
			seen[c] = true
			if !bd.spend() {
				return ""
			}
			if idOf(c) == id {
				return c
			}
		}
	}
	return ""
}

// fallback names a component no candidate recovered: the name its XAML
// carries when that is valid and free in the scope, else made (the name its
// label suggests) made unique in the scope.
func (s scope) fallback(carried, made string) string {
	if validName(carried) && !s[carried] {
		s[carried] = true
		return carried
	}
	return s.unique(made)
}

// stopWords are left out of word subsets first: "Record the approval" -> record_approval.
var stopWords = map[string]bool{"a": true, "an": true, "the": true, "of": true, "to": true, "for": true, "and": true, "or": true,
	"in": true, "on": true, "at": true, "by": true, "from": true, "with": true, "is": true}

// labelCandidates are the names a label suggests: its words joined, then
// every subsequence of its words (for labels of up to 10 words), longest first.
func labelCandidates(label string) []string {
	ws := words(label)
	out := []string{strings.Join(ws, "_"), strings.Join(ws, "")}
	var content []string
	for _, w := range ws {
		if !stopWords[w] {
			content = append(content, w)
		}
	}
	out = append(out, strings.Join(content, "_"))
	n := len(ws)
	if n > 10 {
		return out
	}
	for size := n; size >= 1; size-- {
		for mask := 1; mask < 1<<n; mask++ {
			if popcount(mask) != size {
				continue
			}
			var parts []string
			for i := range n {
				if mask&(1<<i) != 0 {
					parts = append(parts, ws[i])
				}
			}
			out = append(out, strings.Join(parts, "_"))
		}
	}
	return out
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// columnCandidates are the names a step's column suggests: the column, the
// column without its publisher prefix and without a trailing "id", every
// part of that stem, and its beginnings and ends with one "_" inserted
// (loss_date from nwi_lossdate, value from estimatedvalue, close_date from
// estimatedclosedate).
func columnCandidates(column, prefix string) []string {
	out := []string{column}
	stem := column
	if prefix != "" {
		stem = strings.TrimPrefix(stem, prefix+"_")
	}
	out = append(out, stem, strings.TrimSuffix(stem, "id"))
	stem = strings.ReplaceAll(stem, "_", "")
	if len(stem) > 28 {
		return out
	}
	for i := 0; i < len(stem); i++ {
		for j := i + 2; j <= len(stem); j++ {
			out = append(out, stem[i:j])
		}
	}
	for i := 0; i < len(stem); i++ {
		for _, part := range []string{stem[i:], stem[:len(stem)-i]} {
			for k := 1; k < len(part); k++ {
				out = append(out, part[:k]+"_"+part[k:])
			}
		}
	}
	return out
}

// uniqueNameCandidates are the flow names a unique name (label without
// underscores) suggests: the words of the display label matched into it,
// then, for unique names of up to 20 characters, every way of putting
// underscores back.
func uniqueNameCandidates(unique, label string) []string {
	out := []string{unique}
	if g := segment(unique, words(label)); g != "" {
		out = append(out, g)
	}
	return out
}

// allSegmentations yields unique with underscores inserted in every possible
// way, calling try until it returns true.
func allSegmentations(bd *budget, unique string, try func(string) bool) bool {
	n := len(unique)
	if n < 2 || n > 20 {
		return false
	}
	var b strings.Builder
	for mask := 0; mask < 1<<(n-1); mask++ {
		b.Reset()
		for i := 0; i < n; i++ {
			b.WriteByte(unique[i])
			if i < n-1 && mask&(1<<i) != 0 {
				b.WriteByte('_')
			}
		}
		if !bd.spend() {
			return false
		}
		if try(b.String()) {
			return true
		}
	}
	return false
}

// segment splits s at the words of vocab where they occur in it, in order:
// "claimspolicyrenewal" with [policy renewal] -> "claims_policy_renewal".
func segment(s string, vocab []string) string {
	var parts []string
	rest := s
	for _, w := range vocab {
		i := strings.Index(rest, w)
		if i < 0 {
			continue
		}
		if i > 0 {
			parts = append(parts, rest[:i])
		}
		parts = append(parts, w)
		rest = rest[i+len(w):]
	}
	if rest != "" {
		parts = append(parts, rest)
	}
	return strings.Join(parts, "_")
}

// idFuncs derive the ids of a project's components from candidate names.
type idFuncs struct{ solution string }

func (f idFuncs) flow(name string) string { return compiler.ID("flow", f.solution, name) }
func (f idFuncs) stage(flow string) func(string) string {
	return func(name string) string { return compiler.ID("stage", f.solution, flow, name) }
}
func (f idFuncs) step(flow, stage string) func(string) string {
	return func(name string) string { return compiler.ID("step", f.solution, flow, stage, name) }
}
func (f idFuncs) workflow(name string) string { return compiler.ID("workflow", f.solution, name) }
func (f idFuncs) role(name string) string     { return compiler.ID("role", f.solution, name) }

// lostName reports a component whose id bpfc derived but whose name none of
// the candidates gives back: the rebuilt component gets a new id.
func (b *builder) lostName(id, name, component, file, what string) {
	if derived(id) {
		b.w.add(component, file, "the bpfc name of %s was not recovered from its id; it is named %s, so the rebuilt component gets a new id (rename it to keep the old one)", what, name)
	}
}
