package compiler

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Functions lists the functions conditions may call.
var Functions = []string{"contains", "startswith", "endswith"}

// exprScope is what a condition can see: self is the record of one table.
type exprScope struct {
	p          *Project
	table      *Table   // nil when the table is unknown (already reported)
	flowTables []string // other tables of the flow, for a precise message
	secrets    bool     // a secret may be read here (a webhook's fields)
}

type exprConverter struct {
	sc    exprScope
	diags hcl.Diagnostics
}

func (c *exprConverter) errorf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

func (c *exprConverter) warnf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

// convertCondition converts and type-checks an HCL expression. When cond is
// true the result must be a boolean condition.
func convertCondition(e hcl.Expression, sc exprScope, cond bool) (Expr, hcl.Diagnostics) {
	c := &exprConverter{sc: sc}
	x := c.convert(e)
	if x != nil && cond && c.jsonVar(x) {
		return nil, c.diags
	}
	if x != nil && cond && x.Type() != KindBool && x.Type() != KindAny {
		c.errorf(e.Range(), "Condition is not a boolean", "A condition must be true or false, such as self.estimatedvalue > 1000; this expression is a %s.", x.Type())
	}
	return x, c.diags
}

func (c *exprConverter) convert(e hcl.Expression) Expr {
	switch e := e.(type) {
	case *hclsyntax.ParenthesesExpr:
		return c.convert(e.Expression)
	case *hclsyntax.TemplateWrapExpr:
		return c.convert(e.Wrapped)
	case *hclsyntax.LiteralValueExpr:
		return c.literal(e.Val, e.SrcRange)
	case *hclsyntax.TemplateExpr:
		if !e.IsStringLiteral() {
			c.errorf(e.SrcRange, "Unsupported expression", "String templates are not supported here; write a plain string, or compare with a column or variable.")
			return nil
		}
		v, _ := e.Value(nil)
		return c.literal(v, e.SrcRange)
	case *hclsyntax.ScopeTraversalExpr:
		return c.traversal(e)
	case *hclsyntax.UnaryOpExpr:
		return c.unary(e)
	case *hclsyntax.BinaryOpExpr:
		return c.binary(e)
	case *hclsyntax.FunctionCallExpr:
		return c.call(e)
	}
	c.errorf(e.Range(), "Unsupported expression",
		"Conditions and values use self.<column>, var.<variable>, literals, null, == != < <= > >= && || !, and the functions contains, startswith, endswith.")
	return nil
}

// literal is a literal value, refused when no XML document can hold it (a
// control character in a string, an infinite number): the build writes
// every literal into the flow's XAML.
func (c *exprConverter) literal(v cty.Value, rng hcl.Range) Expr {
	if problem := valueProblem(v); problem != "" {
		c.errorf(rng, "Invalid value", "%s", problem)
		return nil
	}
	if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && strings.ContainsRune(v.AsString(), '\r') {
		// The XAML holds a condition's text as element content, whose
		// line ends every XML reader (Dataverse's too) turns into \n.
		c.errorf(rng, "Invalid value", "the text holds a carriage return (\\r), which a condition's XAML cannot keep: Dataverse would compare with \\n in its place. Write \\n.")
		return nil
	}
	return literal(v, rng)
}

func literal(v cty.Value, rng hcl.Range) Expr {
	k := KindNull
	switch {
	case v.IsNull():
	case v.Type() == cty.String:
		k = KindString
	case v.Type() == cty.Number:
		k = KindNumber
	case v.Type() == cty.Bool:
		k = KindBool
	default:
		k = KindAny
	}
	return &Literal{Value: v, Kind: k, Rng: rng}
}

func (c *exprConverter) traversal(e *hclsyntax.ScopeTraversalExpr) Expr {
	t := e.Traversal
	name := ""
	if len(t) == 2 {
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			name = a.Name
		}
	}
	switch t.RootName() {
	case "self":
		if name == "" {
			c.errorf(e.SrcRange, "Invalid reference", "Refer to a column as self.<column>.")
			return nil
		}
		ref := &ColumnRef{Column: name, Rng: e.SrcRange}
		tbl := c.sc.table
		if tbl == nil {
			return ref
		}
		ref.Table = tbl.Name
		ref.Col = tbl.Column(name)
		if ref.Col == nil && tbl.invalidUse(name) {
			return ref // its declaration's invalid name is reported
		}
		if ref.Col == nil {
			for _, other := range c.sc.flowTables {
				if ot := c.sc.p.Table(other); ot != nil && other != tbl.Name && ot.Column(name) != nil {
					c.errorf(e.SrcRange, "Condition on a column of another table",
						"self is the %s record of this stage, and %s has no column %q; %s.%s belongs to another stage's table. Conditions can only test the record of the stage they sit on: move the branch to a stage on %s.",
						tbl.Name, tbl.Name, name, other, name, other)
					return ref
				}
			}
			c.errorf(e.SrcRange, "Unknown column", "Table %q has no column %q.%s", tbl.Name, name, didYouMeanColumn(name, tbl, func(*Column) bool { return true }))
		}
		return ref
	case "var":
		if name == "" {
			c.errorf(e.SrcRange, "Invalid reference", "Refer to a variable as var.<name>.")
			return nil
		}
		ref := &VarRef{Name: name, Var: c.sc.p.Variable(name), Rng: e.SrcRange}
		if ref.Var == nil && !c.sc.p.misspeltDecl("variable", name) {
			c.errorf(e.SrcRange, "Unknown variable", "No variable %q is declared.%s", name, variableHint(c.sc.p, name, c.sc.secrets))
		}
		return ref
	}
	c.errorf(e.SrcRange, "Unknown reference", "%q is not something a condition can refer to; use self.<column> or var.<variable>.%s",
		t.RootName(), c.bareNameHint(t))
	return nil
}

// bareNameHint is the hint for a reference that starts with neither self
// nor var: a misspelling of one of them, a column of the stage's record
// written without self. (`prioritycode == "High"`) or after its table's name
// (`incident.prioritycode`), or a text value written without quotes
// (`self.prioritycode == High`).
func (c *exprConverter) bareNameHint(t hcl.Traversal) string {
	root := t.RootName()
	if len(t) == 1 && slices.Contains(variableNames(c.sc.p, c.sc.secrets), root) {
		return fmt.Sprintf(" Did you mean var.%s? A variable is var.<name>.", root)
	}
	if hint := didYouMean(root, []string{"self", "var"}); hint != "" {
		return hint
	}
	if len(t) == 2 && c.sc.p.Table(root) != nil { // incident.prioritycode
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			if tbl := c.sc.table; tbl != nil && tbl.Name != root && tbl.Column(a.Name) == nil {
				// account.name on a stage on lead: self.name would name no column.
				return fmt.Sprintf(" A condition reads only the record of its stage, as self, and this stage is on table %q, not %q.", tbl.Name, root)
			}
			return fmt.Sprintf(" A condition reads the record of its stage as self, whatever its table: write self.%s.", a.Name)
		}
	}
	if len(t) != 1 {
		return ""
	}
	if tbl := c.sc.table; tbl != nil {
		for _, col := range tbl.Columns {
			if strings.EqualFold(col.Name, root) {
				return fmt.Sprintf(" Did you mean self.%s? A column of the stage's record is self.<column>.", col.Name)
			}
		}
	}
	return fmt.Sprintf(" A text value, such as a choice's label, is written in quotes: %q.", root)
}

func (c *exprConverter) unary(e *hclsyntax.UnaryOpExpr) Expr {
	x := c.convert(e.Val)
	if x == nil {
		return nil
	}
	switch e.Op {
	case hclsyntax.OpLogicalNot:
		c.wantBool(x)
		return &Not{X: x, Rng: e.SrcRange}
	case hclsyntax.OpNegate:
		if l, ok := x.(*Literal); ok && l.Kind == KindNumber {
			return &Literal{Value: l.Value.Negate(), Kind: KindNumber, Rng: e.SrcRange}
		}
	}
	c.errorf(e.SrcRange, "Unsupported expression", "Only ! (not) and negative number literals are supported here.")
	return nil
}

var binaryOps = map[*hclsyntax.Operation]string{
	hclsyntax.OpEqual: OpEq, hclsyntax.OpNotEqual: OpNe,
	hclsyntax.OpLessThan: OpLt, hclsyntax.OpLessThanOrEqual: OpLe,
	hclsyntax.OpGreaterThan: OpGt, hclsyntax.OpGreaterThanOrEqual: OpGe,
	hclsyntax.OpLogicalAnd: OpAnd, hclsyntax.OpLogicalOr: OpOr,
}

func (c *exprConverter) binary(e *hclsyntax.BinaryOpExpr) Expr {
	op, ok := binaryOps[e.Op]
	if !ok {
		c.errorf(e.SrcRange, "Unsupported operator", "Arithmetic is not supported in conditions; use == != < <= > >= && ||.")
		return nil
	}
	l, r := c.convert(e.LHS), c.convert(e.RHS)
	if l == nil || r == nil {
		return nil
	}
	b := &Binary{Op: op, L: l, R: r, Rng: e.SrcRange}
	if op == OpAnd || op == OpOr {
		c.wantBool(l)
		c.wantBool(r)
		return b
	}
	c.compare(b)
	return b
}

func (c *exprConverter) wantBool(x Expr) {
	if k := x.Type(); k != KindBool && k != KindAny {
		c.errorf(x.Range(), "Expected a condition", "&&, || and ! combine conditions; this operand is a %s.", k)
	}
}

// compare type-checks a comparison.
func (c *exprConverter) compare(b *Binary) {
	lk, rk := b.L.Type(), b.R.Type()
	if lk == KindNull || rk == KindNull {
		if b.Op != OpEq && b.Op != OpNe {
			c.errorf(b.Rng, "Invalid comparison with null", "null can only be compared with == or != (self.x == null tests for an empty column).")
		}
		return
	}
	if c.jsonVar(b.L) || c.jsonVar(b.R) {
		return
	}
	if !c.compatible(b.L, b.R) {
		c.errorf(b.Rng, "Type mismatch in condition", "Cannot compare %s (%s) with %s (%s).%s", describeExpr(b.L), typeName(b.L), describeExpr(b.R), typeName(b.R), quotedLiteralHint(b))
		return
	}
	if b.Op != OpEq && b.Op != OpNe {
		for i, x := range []Expr{b.L, b.R} {
			other := []Expr{b.R, b.L}[i]
			if l, ok := x.(*Literal); ok && l.Kind == KindString && other.Type() == KindDateTime {
				continue // a date written as text: one that is none is an Invalid date
			}
			if v, ok := x.(*VarRef); ok && v.Var != nil && v.Var.Type == VarString && isDateColumn(other) {
				// A string variable's values are checked as dates where it
				// meets the column (varColumns), as a literal's text is.
				continue
			}
			if k := x.Type(); k != KindNumber && k != KindDateTime && k != KindAny && !isDateLiteral(x) {
				c.errorf(x.Range(), "Invalid ordering comparison", "%s orders numbers and dates; %s is a %s.", b.Op, describeExpr(x), k)
				return
			}
		}
	}
}

// jsonVar refuses a json variable in a condition, and says so: it holds a
// document, which no comparison or text function reads as such (var.j ==
// 1 and var.j != 1 were both false; contains searched its text).
func (c *exprConverter) jsonVar(x Expr) bool {
	v, ok := x.(*VarRef)
	if !ok || v.Var == nil || v.Var.Type != VarJSON {
		return false
	}
	c.errorf(v.Rng, "json variable in a condition", "var.%s is a json variable: a condition compares text, numbers, booleans and dates. Use a string, number or boolean variable for what the condition tests.", v.Name)
	return true
}

// isDateColumn reports a datetime column (not another date expression):
// what a variable's value is checked against where it meets it.
func isDateColumn(x Expr) bool {
	c, ok := x.(*ColumnRef)
	return ok && c.Col != nil && ColumnKind(c.Col.Type) == KindDateTime
}

// isDateLiteral reports a string literal that reads as a date (compared with a datetime column).
func isDateLiteral(x Expr) bool {
	l, ok := x.(*Literal)
	if !ok || l.Kind != KindString {
		return false
	}
	_, ok = ParseDate(l.Value.AsString())
	return ok
}

// CompatibleKinds says whether values of two kinds can be compared or
// assigned; choice and datetime literals are checked further by the caller.
func CompatibleKinds(a, b Kind) bool {
	if a == b || a == KindAny || b == KindAny || a == KindNull || b == KindNull {
		return true
	}
	pair := func(x, y Kind) bool { return a == x && b == y || a == y && b == x }
	return pair(KindChoice, KindString) || pair(KindChoice, KindNumber) ||
		pair(KindLookup, KindString) || pair(KindDateTime, KindString)
}

func (c *exprConverter) compatible(l, r Expr) bool {
	if !CompatibleKinds(l.Type(), r.Type()) {
		return false
	}
	// Literals compared with choices and dates must be valid values.
	for _, pair := range [][2]Expr{{l, r}, {r, l}} {
		col, ok := pair[0].(*ColumnRef)
		lit, isLit := pair[1].(*Literal)
		if !ok || !isLit || col.Col == nil {
			continue
		}
		c.checkLiteralFor(col.Col, lit)
	}
	return true
}

// checkLiteralFor checks a literal against a column's choice options or date
// format, and writes an id for a lookup in its canonical form.
func (c *exprConverter) checkLiteralFor(col *Column, lit *Literal) {
	switch ColumnKind(col.Type) {
	case KindChoice:
		if len(col.Options) == 0 {
			return
		}
		labels, values := optionsListed(col)
		for _, o := range col.Options {
			if lit.Kind == KindString && o.Label == lit.Value.AsString() {
				return
			}
			if lit.Kind == KindNumber {
				if n, err := convertInt(lit.Value); err == "" && n == o.Value {
					return
				}
			}
		}
		if lit.Kind == KindString {
			given := lit.Value.AsString() // an option is a label: "High", not the string "High"
			// The runtime matches a label in any case, as Dataverse
			// compares text (a variable's "hot" meets the option "Hot"):
			// so does the check, when one option alone matches so. The
			// literal becomes the label, so that both spellings build
			// the same model.
			var folded []string
			for _, o := range col.Options {
				if strings.EqualFold(o.Label, given) {
					folded = append(folded, o.Label)
				}
			}
			if len(folded) == 1 {
				lit.Value = cty.StringVal(folded[0])
				return
			}
			if len(folded) > 1 {
				c.errorf(lit.Rng, "Ambiguous choice value", "%s.%s has the options %s, whose labels differ only in case, and %q matches each ignoring case; write it exactly as one of them is written.",
					col.Table, col.Name, joinQuoted(folded), given)
				return
			}
			for _, o := range col.writtenOptions {
				if o.Label == given && o.refused() {
					return // its value was reported where it is written
				}
				if o.Written != "" && o.Written == given && !o.refused() {
					// A label read on one line (LoadOptions.OneLineLabels):
					// the text that named it as written names it as read.
					c.warnf(lit.Rng, LabelNotOneLine, "The text %s names the option of %s.%s whose label was read on one line; it was read as %s, as the label was.",
						FormatValue(lit.Value), col.Table, col.Name, FormatValue(cty.StringVal(o.Label)))
					lit.Value = cty.StringVal(o.Label)
					return
				}
			}
			c.errorf(lit.Rng, "Unknown choice value", "%s.%s has no option %q; its options are %s%s.%s", col.Table, col.Name, given, joinQuoted(labels), refusedNote(col), didYouMean(given, labels))
			return
		}
		if lit.Kind != KindNumber {
			c.errorf(lit.Rng, "Unknown choice value", "%s.%s has no option %s; its options are %s%s.", col.Table, col.Name, describe(lit.Value), joinQuoted(labels), refusedNote(col))
			return
		}
		c.errorf(lit.Rng, "Unknown choice value", "%s.%s has no option with the value %s; its options are %s%s.", col.Table, col.Name, strings.TrimPrefix(describe(lit.Value), "the number "), strings.Join(values, ", "), refusedNote(col))
	case KindLookup:
		// A lookup holds a row's id: any other text never matches.
		if lit.Kind == KindString {
			// The 36-character form, in braces or not (as the runtime
			// reads ids): uuid.Parse's 32-digit and urn: forms never match.
			if !IsID(lit.Value.AsString()) {
				c.errorf(lit.Rng, "Invalid id", "%s.%s is a lookup: it holds a row's id, such as \"3b7fbd35-5adc-516c-9dc0-1e40c9927088\"; %q is not one. Compare with null to test whether it is set.", col.Table, col.Name, lit.Value.AsString())
			} else {
				// As Dataverse writes ids, whatever the case and braces
				// typed: the build and the model say one id one way.
				lit.Value = cty.StringVal(CanonicalID(lit.Value.AsString()))
				c.idWithoutTable(col, lit)
			}
		}
	case KindDateTime:
		if lit.Kind == KindString {
			if _, ok := ParseDate(lit.Value.AsString()); !ok {
				c.errorf(lit.Rng, "Invalid date", "%q is not a date; write it as \"2026-12-31\" or \"2026-12-31T17:00:00Z\".", lit.Value.AsString())
			} else if _, ok := ParseDateOnly(lit.Value.AsString()); col.DateOnly() && !ok {
				c.errorf(lit.Rng, "Invalid date", "%s.%s is a date-only column: it holds a date without a time, such as \"2026-12-31\"; %q has a time.", col.Table, col.Name, lit.Value.AsString())
			}
		}
	case KindNumber:
		// A number the column cannot hold: Dataverse cannot read it as
		// the column's type (an Integer literal of 2147483648), and a
		// comparison with it would always go one way.
		if lit.Kind == KindNumber && lit.Value.IsKnown() && !lit.Value.IsNull() {
			f, _ := lit.Value.AsBigFloat().Float64()
			if _, err := StoredNumber(col.Type, f); err != nil {
				c.errorf(lit.Rng, "Value out of range", "%s.%s cannot hold %s: it %s.", col.Table, col.Name, describe(lit.Value), err)
			}
		}
	}
}

// idWithoutTable warns about an id given to a lookup that can point at
// several tables (a customer column: an account or a contact). Dataverse
// writes a row's id with its table, which the id does not tell; the build
// writes the first target's.
func (c *exprConverter) idWithoutTable(col *Column, lit *Literal) {
	if len(col.Targets) < 2 {
		return
	}
	var single []string // the table's lookups to one of the targets
	if t := c.sc.p.Table(col.Table); t != nil {
		for _, o := range t.Columns {
			if o.Type == TypeLookup && len(o.Targets) < 2 && contains(col.Targets, o.Target) {
				single = append(single, fmt.Sprintf("%s (%s)", o.Name, o.Target))
			}
		}
	}
	hint := ""
	if len(single) > 0 {
		hint = " For a row of one table, use a lookup to that table instead: " + strings.Join(single, ", ") + "."
	}
	c.warnf(lit.Rng, "Id without its table",
		"%s.%s can point at a row of %s, and Dataverse writes a row's id with its table, which the id alone does not tell. The build writes it as %s %s id: in Dataverse a row of another table never matches it (a condition is false, a step that writes it fails), where bpfc's runtime compares the id alone.%s",
		col.Table, col.Name, strings.Join(col.Targets[:len(col.Targets)-1], ", ")+" or "+col.Targets[len(col.Targets)-1], Article(col.Target), col.Target, hint)
}

// checkStoredLiteral checks a literal a step writes into col: what
// checkLiteralFor checks, and a whole number for an integer column (the
// run would fail on 1.5).
func (c *exprConverter) checkStoredLiteral(col *Column, lit *Literal) {
	c.checkLiteralFor(col, lit)
	if col.Type == TypeInteger && lit.Kind == KindNumber && lit.Value.IsKnown() && !lit.Value.IsNull() && !lit.Value.AsBigFloat().IsInt() {
		c.errorf(lit.Rng, "Not a whole number", "%s.%s is a whole number column and cannot take %s.", col.Table, col.Name, describe(lit.Value))
	}
}

// ParseDate parses a date or date-time literal as conditions accept them.
func ParseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ParseDateOnly parses a date without a time (2026-12-31), what a date-only
// column holds, as midnight UTC.
func ParseDateOnly(s string) (time.Time, bool) {
	t, err := time.Parse(DateOnlyLayout, s)
	return t, err == nil
}

// DateOnlyLayout is how a date-only column's value is written: YYYY-MM-DD.
const DateOnlyLayout = "2006-01-02"

func (c *exprConverter) call(e *hclsyntax.FunctionCallExpr) Expr {
	if !contains(Functions, e.Name) {
		c.errorf(e.NameRange, "Unknown function", "%q is not a function conditions can call; use contains, startswith or endswith.%s", e.Name, didYouMean(e.Name, Functions))
		return nil
	}
	if len(e.Args) != 2 || e.ExpandFinal {
		c.errorf(e.Range(), "Wrong number of arguments", "%s takes two arguments: %s(self.column, \"text\").", e.Name, e.Name)
		return nil
	}
	call := &Call{Func: e.Name, Rng: e.Range()}
	for _, a := range e.Args {
		x := c.convert(a)
		if x == nil {
			return nil
		}
		if k := x.Type(); k != KindString && k != KindAny {
			c.errorf(x.Range(), "Invalid argument", "%s works on text; %s is a %s.", e.Name, describeExpr(x), k)
		} else if c.jsonVar(x) {
			return nil
		}
		call.Args = append(call.Args, x)
	}
	return call
}

// hclNumber is a number as HCL reads it in a condition (a minus is its
// unary operator).
var hclNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// quotedLiteralHint says to drop the quotes when one side of a mismatched
// comparison is a string holding a number or true/false and the other is a
// number or a yes/no (a yes/no's label, "Yes" or "No", too): the value as
// Dataverse's condition editor takes it, quoted out of habit.
func quotedLiteralHint(b *Binary) string {
	for i, x := range []Expr{b.L, b.R} {
		l, ok := x.(*Literal)
		if !ok || l.Kind != KindString || !l.Value.IsKnown() || l.Value.IsNull() {
			continue
		}
		text := strings.TrimSpace(l.Value.AsString())
		switch []Expr{b.R, b.L}[i].Type() {
		case KindNumber:
			// Only what HCL reads as a number: ParseNumberVal also takes
			// "inf" and "+5", which written bare are a name and an error.
			if hclNumber.MatchString(text) {
				return " Write the number without quotes: " + text + "."
			}
		case KindBool:
			if text == "true" || text == "false" {
				return " Write " + text + " without quotes."
			}
			// Yes and No: the labels Dataverse shows a yes/no column with.
			if b, ok := map[string]string{"yes": "true", "no": "false", "true": "true", "false": "false"}[strings.ToLower(text)]; ok {
				return " A yes/no value is true or false, without quotes: write " + b + " for " + strconv.Quote(text) + "."
			}
		}
	}
	return ""
}

func describeExpr(x Expr) string {
	switch x := x.(type) {
	case *ColumnRef:
		if x.Table != "" {
			return x.Table + "." + x.Column
		}
		return "self." + x.Column
	case *VarRef:
		return "var." + x.Name
	case *Literal:
		return describe(x.Value)
	}
	return "the expression"
}

func typeName(x Expr) string {
	switch x := x.(type) {
	case *ColumnRef:
		if x.Col != nil {
			return x.Col.Type + " column"
		}
	case *VarRef:
		if x.Var != nil {
			return x.Var.Type + " variable"
		}
	}
	return string(x.Type())
}

func columnNames(t *Table) []string {
	return columnNamesWhere(t, func(*Column) bool { return true })
}

// columnNamesWhere is the names of t's columns keep takes: a suggestion
// names only a column that is valid where it would be pasted, and never
// one whose declared name is itself in error.
func columnNamesWhere(t *Table, keep func(*Column) bool) []string {
	var out []string
	for _, c := range t.Columns {
		if keep(c) && !c.invalidName {
			out = append(out, c.Name)
		}
	}
	return out
}

// variableHint is the "Did you mean" or list of variables for an unknown
// one: secrets only where they may be read, and the list says when they are
// left out.
func variableHint(p *Project, name string, secrets bool) string {
	names := variableNames(p, secrets)
	intro := "The declared variables are"
	if len(names) < len(p.Variables) {
		intro = "The variables other than secrets (which cannot be read here) are"
	}
	return didYouMeanOr(name, names, intro)
}

// variableNames is the names of the project's variables, secrets only
// where secrets may be read (a suggested secret elsewhere is refused when
// pasted).
func variableNames(p *Project, secrets bool) []string {
	var out []string
	for _, v := range p.Variables {
		if secrets || v.Type != VarSecret {
			out = append(out, v.Name)
		}
	}
	return out
}

// optionsListed lists a choice column's options for a diagnostic, as labels
// and as label = value (a number names an option by its value): as the
// project writes them, in order, those reported and left out included, so
// that the list matches the file; a catalog column's by value.
func optionsListed(col *Column) (labels, values []string) {
	if col.writtenOptions == nil {
		for _, o := range col.Options {
			labels = append(labels, o.Label)
			values = append(values, fmt.Sprintf("%q = %d", o.Label, o.Value))
		}
		return labels, values
	}
	for _, o := range col.writtenOptions {
		labels = append(labels, o.Label)
		if !o.NoInt {
			values = append(values, fmt.Sprintf("%q = %d", o.Label, o.Value))
		}
	}
	return labels, values
}

// refusedNote says, after a list of options, which of them were reported
// for their value (and so are not options until that is fixed), or "".
func refusedNote(col *Column) string {
	var notes []string
	for _, o := range col.writtenOptions {
		switch {
		case o.DupOf != "":
			notes = append(notes, fmt.Sprintf("%q repeats the value %d of %q", o.Label, o.Value, o.DupOf))
		case o.NoInt:
			notes = append(notes, fmt.Sprintf("%q has no whole-number value", o.Label))
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ": reported where the options are written)"
}
