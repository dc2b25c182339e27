package compiler

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "solution", LabelNames: []string{"name"}},
		{Type: "environment", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "table", LabelNames: []string{"name"}},
		{Type: "flow", LabelNames: []string{"name"}},
		{Type: "role", LabelNames: []string{"name"}},
		{Type: "workflow", LabelNames: []string{"name"}},
		{Type: "policy"},
	},
}

// decoder accumulates the blocks of every file, then finish() builds the model.
type decoder struct {
	diags hcl.Diagnostics
	p     *Project

	solutions []*Solution
	policies  []*Policy
	// raw expressions resolved once every declaration is known.
	envValues   map[*Environment]hcl.Expression
	varDefaults map[*Variable]hcl.Expression
	conds       []pendingExpr
	stageNext   map[*Stage]hcl.Expression
	branchNext  map[*Branch]hcl.Expression
	stageTable  map[*Stage]bool // table written explicitly
	wfSteps     map[*WorkflowStep]hcl.Expression
	wfWait      map[*Workflow]hcl.Expression
	tableDecls  []*Table
	// workflowUses are references to workflows from stages and flows, with the
	// tables the workflow may run on (known after resolution).
	workflowUses []workflowUse

	policyManagedExpr hcl.Expression // managed_in, for each name's range (elemRange)
	createTables      []createUse
	assignments       []assignment
	brokenFlows       map[*Flow]bool  // flows with duplicate stage names
	danglingFlows     map[*Flow]bool  // flows with a next that names no stage: reachability unknown
	noColumn          map[*Step]bool  // steps whose column is missing or not a string (reported)
	missingColumn     map[*Step]bool  // steps without a column attribute (reported by the check)
	missingPublisher  *hcl.Diagnostic // the first solution's "Missing publisher", its example written last
	noPrefix          bool            // no solution, publisher or valid prefix (reported): custom names go unchecked
	oneLineLabels     bool            // LoadOptions.OneLineLabels: a label not on one line is one-lined with a warning
}

type workflowUse struct {
	name  string
	rng   hcl.Range
	table func() string   // the one table the workflow must be on, or ""
	any   func() []string // or: any of these tables
}

// pendingExpr is a condition to convert once tables and variables are known.
type pendingExpr struct {
	expr  hcl.Expression
	table func() string // the table self refers to, known after resolution
	set   func(Expr)
	bool  bool // must be a condition (bool)
	// secrets: a secret variable may be read (a webhook's fields; never a
	// condition or a value a record or an email keeps).
	secrets bool
}

func newDecoder() *decoder {
	return &decoder{
		p:             &Project{},
		envValues:     map[*Environment]hcl.Expression{},
		varDefaults:   map[*Variable]hcl.Expression{},
		stageNext:     map[*Stage]hcl.Expression{},
		branchNext:    map[*Branch]hcl.Expression{},
		stageTable:    map[*Stage]bool{},
		wfSteps:       map[*WorkflowStep]hcl.Expression{},
		wfWait:        map[*Workflow]hcl.Expression{},
		brokenFlows:   map[*Flow]bool{},
		danglingFlows: map[*Flow]bool{},
		noColumn:      map[*Step]bool{},
		missingColumn: map[*Step]bool{},
	}
}

func (d *decoder) decodeFile(f *hcl.File) {
	content, diags := f.Body.Content(topSchema)
	d.diags = append(d.diags, diags...)
	d.noteMisspeltBlocks(f, diags)
	for _, b := range content.Blocks {
		switch b.Type {
		case "solution":
			d.decodeSolution(b)
		case "environment":
			d.decodeEnvironment(b)
		case "variable":
			d.decodeVariable(b)
		case "table":
			d.decodeTable(b)
		case "flow":
			d.decodeFlow(b)
		case "role":
			d.decodeRole(b)
		case "workflow":
			d.decodeWorkflow(b)
		case "policy":
			d.decodePolicy(b)
		}
	}
}

// noteMisspeltBlocks records the labels of top-level blocks whose type is
// a misspelling of a known one (Environment "test" for environment "test").
// hcl reports the block as unsupported, with the type meant; the checks that
// would then find "test" undeclared where it is named (promote_from,
// var.x, workflow.x) leave it alone, so that one mistake is one diagnostic.
// Where hcl's own rule suggests no type (env, var, ENVIRONMENT), its
// diagnostic (among diags) is told the type meant: it is then the only one
// to speak of the block's label.
func (d *decoder) noteMisspeltBlocks(f *hcl.File, diags hcl.Diagnostics) {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return
	}
	var types []string
	for _, b := range topSchema.Blocks {
		types = append(types, b.Type)
	}
	for _, b := range body.Blocks {
		if contains(types, b.Type) || len(b.Labels) == 0 {
			continue
		}
		meant := nameSuggestion(b.Type, types)
		if meant == "" {
			continue
		}
		if d.p.misspelt == nil {
			d.p.misspelt = map[string]map[string]bool{}
		}
		if d.p.misspelt[meant] == nil {
			d.p.misspelt[meant] = map[string]bool{}
		}
		d.p.misspelt[meant][b.Labels[0]] = true
		for _, dg := range diags {
			if dg.Summary == "Unsupported block type" && dg.Subject != nil && *dg.Subject == b.TypeRange &&
				!strings.Contains(dg.Detail, "Did you mean") {
				dg.Detail += fmt.Sprintf(" Did you mean %q?", meant)
			}
		}
	}
}

// unusedDescription checks the description of a block bpfc writes none
// for (a table, column, role, publisher, environment or workflow) and warns that it
// goes nowhere: it used to be taken and dropped without a word.
func (d *decoder) unusedDescription(c *hcl.BodyContent, what string) {
	a, ok := c.Attributes["description"]
	if !ok {
		return
	}
	var s string
	if d.str(c, "description", &s) {
		r := a.Range
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Description not written",
			Detail:  fmt.Sprintf("bpfc writes no description for %s %s (only for the solution, flows and variables): this one goes nowhere; keep it as a comment instead.", Article(what), what),
			Subject: &r})
	}
}

func (d *decoder) errorf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r,
	})
}

// content decodes a body against a schema built from attribute names and
// block types; every attribute is optional unless listed in required.
func (d *decoder) content(body hcl.Body, attrs []string, required []string, blocks ...hcl.BlockHeaderSchema) *hcl.BodyContent {
	s := &hcl.BodySchema{Blocks: blocks}
	req := map[string]bool{}
	for _, r := range required {
		req[r] = true
	}
	for _, a := range attrs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a, Required: req[a]})
	}
	c, diags := body.Content(s)
	d.diags = append(d.diags, withoutMisspeltRequired(diags)...)
	return c
}

// withoutMisspeltRequired drops hcl's "Missing required argument" for an
// argument that is written, misspelt: the "Unsupported argument" beside it
// already says which one was meant, at the place it is written, where the
// missing one pointed at the block's brace for the same mistake.
func withoutMisspeltRequired(diags hcl.Diagnostics) hcl.Diagnostics {
	meant := map[string]bool{}
	for _, d := range diags {
		if d.Summary == "Unsupported argument" {
			if i := strings.Index(d.Detail, `Did you mean "`); i >= 0 {
				name, _, _ := strings.Cut(d.Detail[i+len(`Did you mean "`):], `"`)
				meant[name] = true
			}
		}
	}
	if len(meant) == 0 {
		return diags
	}
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Summary == "Missing required argument" {
			name, _, _ := strings.Cut(strings.TrimPrefix(d.Detail, `The argument "`), `"`)
			if meant[name] {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

// ranges records where each attribute of c was written.
func ranges(c *hcl.BodyContent) Ranges {
	r := Ranges{}
	for name, a := range c.Attributes {
		r[name] = a.Expr.Range()
	}
	return r
}

// value evaluates a constant attribute (no variables or functions allowed).
func (d *decoder) value(a *hcl.Attribute) (cty.Value, bool) {
	v, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return v, true
}

// typed evaluates a constant attribute and converts it to want, reporting a
// type error on the attribute when it does not fit.
func (d *decoder) typed(a *hcl.Attribute, want cty.Type, what string) (cty.Value, bool) {
	v, diags := a.Expr.Value(nil)
	if want == cty.String || want == cty.List(cty.String) {
		quoteHint(a.Expr, diags)
	}
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if v.IsNull() {
		d.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s must be %s, not null.", a.Name, what)
		return cty.NilVal, false
	}
	c, err := convert.Convert(v, want)
	if err != nil || !c.IsWhollyKnown() {
		d.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s must be %s; got %s.", a.Name, what, describe(v))
		return cty.NilVal, false
	}
	if problem := valueProblem(c); problem != "" {
		d.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s", problem)
		return cty.NilVal, false
	}
	// Bools from strings ("true") are accepted by cty's conversion; the
	// language wants a real bool so that `required = "yes"` is caught.
	if want == cty.Bool && v.Type() != cty.Bool {
		d.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s must be %s; got %s.", a.Name, what, describe(v))
		return cty.NilVal, false
	}
	return c, true
}

func describe(v cty.Value) string {
	switch {
	case v.IsNull():
		return "null"
	case !v.IsKnown():
		// What hcl makes of an expression it could not parse (url = !).
		return v.Type().FriendlyName()
	case v.Type() == cty.String:
		return fmt.Sprintf("the string %q", v.AsString())
	case v.Type() == cty.Number:
		// Written out in full, a number of a huge exponent (999e9999999)
		// takes minutes: one beyond what a float64 holds is named so.
		switch e := v.AsBigFloat().MantExp(nil); {
		case e > 1024:
			return "a number beyond ±1.8e308"
		case e < -1073:
			return "a number nearer 0 than ±5e-324"
		}
		return "the number " + v.AsBigFloat().Text('f', -1)
	case v.Type() == cty.Bool:
		return fmt.Sprintf("the bool %t", v.True())
	}
	return v.Type().FriendlyName()
}

// valueProblem says why v (a string, number or list of strings) cannot be
// written into Dataverse's XML, or "": XML 1.0 holds no control character
// but tab and line breaks, and no U+FFFE or U+FFFF; a number is finite.
func valueProblem(v cty.Value) string {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return ""
	}
	switch {
	case v.Type() == cty.String:
		for i, r := range v.AsString() {
			if !xmlChar(r) {
				return fmt.Sprintf("the text holds the character U+%04X at byte %d, which Dataverse's XML cannot hold; remove it.", r, i)
			}
		}
	case v.Type() == cty.Number:
		if v.AsBigFloat().IsInf() {
			return "the number is infinite; write a finite number."
		}
		if f, _ := v.AsBigFloat().Float64(); math.IsInf(f, 0) {
			return "the number is too large for Dataverse (beyond ±1.8e308); write a smaller one."
		}
	case v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsObjectType() || v.Type().IsMapType():
		// A JSON default's members too: the build writes them.
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if p := valueProblem(e); p != "" {
				return p
			}
		}
	}
	return ""
}

// xmlChar: r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func (d *decoder) str(c *hcl.BodyContent, name string, dst *string) bool {
	a, ok := c.Attributes[name]
	if !ok {
		return false
	}
	if v, ok := d.typed(a, cty.String, "a string"); ok {
		s := v.AsString()
		if name == "display_name" && (!d.oneLine(a, &s) || s == "" && v.AsString() != "") {
			return false // refused, or one-lined to nothing: left out
		}
		*dst = s
		return true
	}
	return false
}

// LabelNotOneLine is the summary of the warning LoadOptions.OneLineLabels
// gives for a label it read on one line.
const LabelNotOneLine = "Label not on one line"

// oneLine refuses a display name that holds a line break, a tab or another
// control character: Dataverse shows a display name as a one-line label (the
// process bar, forms, views, the solution explorer), and its exports hold
// none; the build would write it as &#xA; into every label. The suggestion
// is the name on one line (OneLine). Under LoadOptions.OneLineLabels *s
// becomes that line, with a warning ("" leaves the display name out).
func (d *decoder) oneLine(a *hcl.Attribute, s *string) bool {
	at, what := lineBreakIn(*s)
	if at < 0 {
		return true
	}
	fix := OneLine(*s)
	if d.oneLineLabels {
		read := "read as " + FormatValue(cty.StringVal(fix))
		if fix == "" {
			read = "left out, so the block's label shows"
		}
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: LabelNotOneLine,
			Detail: fmt.Sprintf("The display name %s holds %s at character %d, which a display name no longer may; it was %s.",
				FormatValue(cty.StringVal(*s)), what, at+1, read),
			Subject: a.Expr.Range().Ptr()})
		*s = fix
		return true
	}
	hint := fmt.Sprintf("write it as one line of plain text, e.g. display_name = %s", FormatValue(cty.StringVal(fix)))
	if fix == "" {
		hint = "leave display_name out to show the block's label, or give it a name of one line"
	}
	d.errorf(a.Expr.Range(), "Invalid display_name",
		"A display name is one line of text (Dataverse shows it as a label, with no line breaks, tabs or other control characters); this one holds %s at character %d: %s.", what, at+1, hint)
	return false
}

// lineBreakIn is where (in characters, from 0) s first holds what breaksLine
// finds, and what it is, as a message says it; -1 when nowhere.
func lineBreakIn(s string) (int, string) {
	for i, r := range []rune(s) {
		if !breaksLine(r) {
			continue
		}
		switch r {
		case '\n':
			return i, "a line break (U+000A)"
		case '\r':
			return i, "a carriage return (U+000D)"
		case '\t':
			return i, "a tab (U+0009)"
		case '\u2028', '\u2029':
			return i, fmt.Sprintf("a line separator (U+%04X)", r)
		}
		return i, fmt.Sprintf("the control character U+%04X", r)
	}
	return -1, ""
}

// OneLine is a display name as the one line of text a label holds: each
// run of line breaks, tabs and other control characters, with the spaces
// around it, one space, and none at either end ("" when nothing is left).
// The compiler suggests it for a display name that is not one line; unpack
// writes an archive's labels so.
func OneLine(s string) string {
	if !strings.ContainsFunc(s, breaksLine) {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return breaksLine(r) || r == ' ' }), " ")
}

// breaksLine: r has no place in a one-line label (a control character, or
// Unicode's line and paragraph separators).
func breaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// name reads an attribute that names something (an environment, a
// relationship, a table): an empty name is an error, not "none" — leaving
// the attribute out says that.
func (d *decoder) name(c *hcl.BodyContent, attr string, dst *string) bool {
	if !d.str(c, attr, dst) {
		return false
	}
	if strings.TrimSpace(*dst) == "" {
		d.errorf(c.Attributes[attr].Expr.Range(), "Empty "+attr, "%s is empty; leave the attribute out, or name what it refers to.", attr)
		*dst = ""
		return false
	}
	return true
}

func (d *decoder) boolean(c *hcl.BodyContent, name string, dst *bool) bool {
	a, ok := c.Attributes[name]
	if !ok {
		return false
	}
	if v, ok := d.typed(a, cty.Bool, "true or false"); ok {
		*dst = v.True()
		return true
	}
	return false
}

func (d *decoder) integer(c *hcl.BodyContent, name string, dst *int) bool {
	a, ok := c.Attributes[name]
	if !ok {
		return false
	}
	v, ok := d.typed(a, cty.Number, "a whole number")
	if !ok {
		return false
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		d.errorf(a.Expr.Range(), "Invalid "+name, "%s must be a whole number; got %s.", name, describe(v))
		return false
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i > 1<<31-1 || i < -(1<<31) {
		d.errorf(a.Expr.Range(), "Invalid "+name, "%s is out of range: a whole number from -2147483648 to 2147483647; got %s.", name, describe(v))
		return false
	}
	*dst = int(i)
	return true
}

func (d *decoder) strList(c *hcl.BodyContent, name string) ([]string, bool) {
	a, ok := c.Attributes[name]
	if !ok {
		return nil, false
	}
	v, ok := d.typed(a, cty.List(cty.String), "a list of strings")
	if !ok {
		return nil, false
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		if e.IsNull() {
			d.errorf(a.Expr.Range(), "Invalid "+name, "%s must not contain null.", name)
			continue
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// elemRange is the range of element i of a list written as a literal
// ([a, b]), for a caret under the one element at fault; the whole
// expression's range when it is written otherwise.
func elemRange(e hcl.Expression, i int) hcl.Range {
	if elems, diags := hcl.ExprList(e); !diags.HasErrors() && i < len(elems) {
		return elems[i].Range()
	}
	return e.Range()
}

// ref reads a reference such as workflow.open_folder or stage.propose.
func (d *decoder) ref(expr hcl.Expression, kind string) (string, bool) {
	return d.refAmong(expr, kind, nil)
}

// refAmong is ref where the blocks a reference may name are known: a
// quoted name is then told the label it stands for (see refDetail).
func (d *decoder) refAmong(expr hcl.Expression, kind string, known *labels) (string, bool) {
	trav, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() || len(trav) != 2 || trav.RootName() != kind {
		d.errorf(expr.Range(), "Invalid reference", "%s", refDetail(expr, kind, known))
		return "", false
	}
	attr, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		d.errorf(expr.Range(), "Invalid reference", "%s", refDetail(expr, kind, known))
		return "", false
	}
	return attr.Name, true
}

// labels are the blocks a reference may name: their labels, and the
// display names they are also known by (display[i] is that of names[i]).
type labels struct {
	names, display []string
	intro          string // introduces the list of names, "The flow's stages are"
}

// of is the label a quoted name stands for: a label itself, else the one
// label whose display name (or label, in other case) it is; "" for none,
// or for more than one.
func (l *labels) of(s string) string {
	if s == "" {
		return ""
	}
	if slices.Contains(l.names, s) {
		return s
	}
	found := ""
	for i, n := range l.names {
		if strings.EqualFold(n, s) || strings.EqualFold(l.display[i], s) {
			if found != "" && found != n {
				return ""
			}
			found = n
		}
	}
	return found
}

// refDetail says what reference to write instead of expr. A quoted name is
// the likeliest mistake (stages and workflows are named in quotes where
// they are declared), so it is answered with the reference itself.
func refDetail(expr hcl.Expression, kind string, known *labels) string {
	if tmpl, ok := expr.(*hclsyntax.TemplateExpr); ok && tmpl.IsStringLiteral() {
		if v, diags := tmpl.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
			name := v.AsString()
			if known != nil {
				// A display name ("Develop") is a valid identifier too:
				// the reference to suggest is the label it belongs to.
				if l := known.of(name); l != "" {
					return fmt.Sprintf("Expected a reference of the form %s.<name>, not a string: write %s.%s, without quotes.", kind, kind, l)
				}
				return fmt.Sprintf("Expected a reference of the form %s.<name>, with the block's label as name, not a string such as %q.%s",
					kind, name, didYouMeanOr(name, known.names, known.intro))
			}
			if hclsyntax.ValidIdentifier(name) {
				return fmt.Sprintf("Expected a reference of the form %s.<name>, not a string: write %s.%s, without quotes.", kind, kind, name)
			}
			return fmt.Sprintf("Expected a reference of the form %s.<name>, with the block's label as name, not a string such as %q.", kind, name)
		}
	}
	return fmt.Sprintf("Expected a reference of the form %s.<name>.", kind)
}

// workflowRefs reads a list of workflow references.
func (d *decoder) workflowRefs(c *hcl.BodyContent, name string) []*WorkflowRef {
	a, ok := c.Attributes[name]
	if !ok {
		return nil
	}
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		d.errorf(a.Expr.Range(), "Invalid "+name, "%s must be a list of workflow references, such as [workflow.notify].", name)
		return nil
	}
	var out []*WorkflowRef
	for _, e := range exprs {
		if n, ok := d.ref(e, "workflow"); ok {
			out = append(out, &WorkflowRef{Name: n, Range: e.Range()})
		}
	}
	return out
}

var identRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ident checks a block label against the identifier rule.
func (d *decoder) ident(b *hcl.Block, what string) string {
	if len(b.Labels) == 0 {
		return ""
	}
	name := b.Labels[0]
	if !identRe.MatchString(name) || len(name) > 64 {
		d.errorf(b.LabelRanges[0], "Invalid "+what+" name",
			"%q is not a valid %s name: use lowercase letters, digits and underscores, starting with a letter, at most 64 characters.%s", name, what, identHint(name, 64))
	}
	return name
}

// identHint suggests the name nearest to name that the identifier rule
// takes ("Deal Desk-2" → "deal_desk_2"), as " Did you mean …?", or "".
func identHint(name string, max int) string {
	return nameHint(name, max, "", identRe)
}

// nameHint suggests the name nearest to name that valid takes: lowercase,
// the characters of keep kept, anything else a word separator "_", at most max
// bytes; as " Did you mean …?", or "" when nothing is near enough.
func nameHint(name string, max int, keep string, valid *regexp.Regexp) string {
	if s := nearestName(name, max, keep, valid); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// nearestName is the name nameHint suggests, or "".
func nearestName(name string, max int, keep string, valid *regexp.Regexp) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(keep, r):
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "_") && b.Len() > 0:
			b.WriteByte('_') // anything else separates words
		}
	}
	s := strings.TrimRight(strings.TrimLeft(b.String(), "0123456789_"+keep), "_")
	if len(s) > max {
		s = strings.TrimRight(s[:max], "_")
	}
	if !nearEnough(s, name, valid) {
		return ""
	}
	return s
}

// nearEnough says whether s, a valid name made from name, is worth
// suggesting: it is valid, and other than name yet not most of it lost.
func nearEnough(s, name string, valid *regexp.Regexp) bool {
	return s != "" && s != name && valid.MatchString(s) && 2*len(s) >= utf8.RuneCountInString(name)
}

func labelRange(b *hcl.Block) hcl.Range {
	if len(b.LabelRanges) > 0 {
		return b.LabelRanges[0]
	}
	return b.DefRange
}
