package compiler

import (
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

// ExplainParseErrors adds to HCL's parse errors that leave a new user
// without a way forward what to write instead. HCL's own detail for a
// one-line block says only how such a block must end.
func ExplainParseErrors(diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary == oneLineBlock && strings.HasPrefix(d.Detail, oneLineBlockEnd) {
			d.Detail += " A block written on one line takes one argument only: write each argument on a line of its own, and the closing brace on the line after them (bpfc fmt keeps it so)."
		}
	}
}
