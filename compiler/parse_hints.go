package compiler

import (
	"bytes"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// oneLineBlock is HCL's parse error for a block written on one line with
// more than one argument, `step "b" { column = "x" required = true }`.
const oneLineBlock = "Invalid single-argument block definition"

// oneLineBlockEnd begins HCL's detail for that error when the arguments are
// not separated by a comma; with a comma HCL's detail already says to write
// one argument per line, and a hint would only repeat it.
const oneLineBlockEnd = "A single-line block definition must end with a closing brace"

// missingNewline is HCL's parse error for what follows a complete
// expression on an argument's line: in a condition, a comparison written
// with one "=" (`when = self.x = "y"`) or joined with a word
// (`... and self.y`), where HCL says only that the line must end.
const missingNewline = "Missing newline after argument"

// trailingReference is the reference (self.title, var.x) an expression's
// text ends with.
var trailingReference = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$`)

// wordOperators are the words other languages join and negate conditions
// with, and the operators bpfc's conditions use instead.
var wordOperators = map[string]string{"and": "&&", "or": "||", "not": "!"}

// ExplainParseErrors adds to HCL's parse errors that leave a new user
// without a way forward what to write instead. HCL's own detail for a
// one-line block says only how such a block must end, and for a condition
// written with = or and only that the argument must end. src is the file
// the diagnostics point into.
func ExplainParseErrors(src []byte, diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		switch {
		case d.Summary == oneLineBlock && strings.HasPrefix(d.Detail, oneLineBlockEnd):
			d.Detail += " A block written on one line takes one argument only: write each argument on a line of its own, and the closing brace on the line after them (bpfc fmt keeps it so)."
		case d.Summary == missingNewline && d.Subject != nil:
			d.Detail += conditionHint(src, d.Subject)
		}
	}
}

// conditionHint says what to write where a condition (when, wait_until)
// goes on after its value with a token a condition would have meant: one
// "=" for "==", a word for &&, || or !, "in" for comparisons joined with
// ||, or a function called as a method. "" for other lines and tokens.
func conditionHint(src []byte, r *hcl.Range) string {
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	lineStart := bytes.LastIndexByte(src[:r.Start.Byte], '\n') + 1
	before := string(src[lineStart:r.Start.Byte])
	name, value, ok := strings.Cut(before, "=")
	if name = strings.TrimSpace(name); !ok || name != "when" && name != "wait_until" {
		return ""
	}
	token := string(src[r.Start.Byte:r.End.Byte])
	if token == "=" {
		return " A condition compares with ==; a single = only sets an argument: write " + strings.TrimSpace(value) + " == ..."
	}
	if fields := strings.Fields(value); len(fields) == 1 && strings.EqualFold(fields[0], "not") {
		token = fields[0] // "when = not self.x": HCL read "not" as the value
	}
	if op, ok := wordOperators[strings.ToLower(token)]; ok {
		return " Conditions join and negate with && (and), || (or) and ! (not): write " + op + " for " + token + "."
	}
	v := strings.TrimSpace(value)
	// The operand "in" or a method call follows is the reference the value
	// ends with, not what a && or ! before it joins to it.
	operand := trailingReference.FindString(v)
	if strings.EqualFold(token, "in") {
		switch operand {
		case "":
			return ` A condition has no "in": compare with each value and join the comparisons with ||.`
		case v:
			return ` A condition has no "in": compare with each value and join the comparisons with ||: ` + v + ` == "a" || ` + v + ` == "b".`
		}
		// Parenthesized: && binds tighter than ||.
		return ` A condition has no "in": compare with each value and join the comparisons with ||, in parentheses: (` + operand + ` == "a" || ` + operand + ` == "b").`
	}
	v = operand
	if token == "(" { // self.title.contains("x"): a function written as a method
		if dot := strings.LastIndexByte(v, '.'); dot > 0 && slices.Contains(Functions, v[dot+1:]) {
			return " " + v[dot+1:] + " is a function, not a method: write " + v[dot+1:] + "(" + v[:dot] + ", ...)."
		}
	}
	return ""
}
