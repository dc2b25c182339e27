package compiler

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// ColumnTypes lists the column types a project may declare.
var ColumnTypes = []string{TypeString, TypeMemo, TypeInteger, TypeDecimal, TypeMoney, TypeBoolean,
	TypeDateTime, TypeChoice, TypeLookup, TypeCustomer, TypeEmail}

func (d *decoder) decodeTable(b *hcl.Block) {
	name := b.Labels[0]
	if !identRe.MatchString(name) || len(name) > 50 {
		d.errorf(b.LabelRanges[0], "Invalid table name",
			"%q is not a valid logical name: lowercase letters, digits and underscores, starting with a letter, at most 50 characters.%s", name, identHint(name, 50))
	}
	t := &Table{Name: name, DeclRange: b.DefRange, invalidName: !identRe.MatchString(name) || len(name) > 50}
	c := d.content(b.Body, []string{"display_name", "primary_column", "external", "ownership", "description"}, nil,
		hcl.BlockHeaderSchema{Type: "column", LabelNames: []string{"name"}})
	d.unusedDescription(c, "table")
	d.str(c, "display_name", &t.DisplayName)
	t.Attrs = ranges(c)
	d.str(c, "primary_column", &t.PrimaryColumn)
	d.boolean(c, "external", &t.External)
	if d.str(c, "ownership", &t.Ownership) {
		switch t.Ownership {
		case "user":
			t.Ownership = ""
		case OwnershipOrganization:
		default:
			opts := []string{"user", OwnershipOrganization}
			d.errorf(c.Attributes["ownership"].Expr.Range(), "Unknown ownership", "%q is not an ownership; use %s (user is the default: rows have an owner).%s",
				t.Ownership, joinQuoted(opts), didYouMean(t.Ownership, opts))
			t.Ownership = ""
		}
	}
	if a, ok := c.Attributes["primary_column"]; ok {
		_ = a // checked once columns are known
	}
	for _, cb := range c.Blocks {
		t.Columns = append(t.Columns, d.decodeColumn(cb, t))
	}
	d.tableDecls = append(d.tableDecls, t)
}

func (d *decoder) decodeColumn(b *hcl.Block, t *Table) *Column {
	col := &Column{Name: b.Labels[0], Table: t.Name, DeclRange: b.DefRange}
	if !identRe.MatchString(col.Name) || len(col.Name) > 50 {
		d.errorf(b.LabelRanges[0], "Invalid column name",
			"%q is not a valid logical name: lowercase letters, digits and underscores, starting with a letter, at most 50 characters.%s", col.Name, identHint(col.Name, 50))
		col.invalidName = true
	}
	c := d.content(b.Body, []string{"type", "max_length", "target", "options", "display_name", "required", "description", "behavior"}, []string{"type"})
	d.unusedDescription(c, "column")
	col.Attrs = ranges(c)
	d.str(c, "display_name", &col.DisplayName)
	if col.DisplayName == "" {
		col.DisplayName = col.Name
	}
	d.boolean(c, "required", &col.Required)
	if d.str(c, "type", &col.Type) && !contains(ColumnTypes, col.Type) {
		d.errorf(c.Attributes["type"].Expr.Range(), "Unknown column type", "%q is not a column type; use one of %s.%s",
			col.Type, joinQuoted(ColumnTypes), didYouMean(col.Type, ColumnTypes))
		col.Type = ""
	}
	if d.integer(c, "max_length", &col.MaxLength) {
		if !HasMaxLength(col.Type) {
			d.errorf(c.Attributes["max_length"].Range, "Unexpected max_length", "max_length applies only to string, memo and email columns.")
		} else if limit := maxLengthOf(col.Type); col.MaxLength < 1 || col.MaxLength > limit {
			d.errorf(c.Attributes["max_length"].Expr.Range(), "Invalid max_length", "max_length of a %s column must be between 1 and %d (Dataverse's limit%s).",
				col.Type, limit, map[bool]string{true: "; a memo column holds up to 1048576", false: ""}[limit == 4000])
		}
	}
	if col.MaxLength == 0 {
		switch col.Type {
		case TypeString, TypeEmail:
			col.MaxLength = 100
		case TypeMemo:
			col.MaxLength = 2000
		}
	}
	if a, ok := c.Attributes["behavior"]; ok && d.str(c, "behavior", &col.Behavior) {
		switch {
		case col.Type != TypeDateTime && col.Type != "":
			d.errorf(a.Range, "Unexpected behavior", "behavior applies only to datetime columns (%s, the default, %s or %s).",
				BehaviorUserLocal, BehaviorDateOnly, BehaviorTimeZoneIndependent)
			col.Behavior = ""
		case !contains(DateBehaviors, col.Behavior):
			d.errorf(a.Expr.Range(), "Unknown behavior", "%q is not a datetime column's behavior; use %s (user_local is the default: times in the user's time zone, date_only a date without a time).%s",
				col.Behavior, joinQuoted(DateBehaviors), didYouMean(col.Behavior, DateBehaviors))
			col.Behavior = ""
		case col.Behavior == BehaviorUserLocal:
			col.Behavior = ""
		}
	}
	if a, ok := c.Attributes["target"]; ok {
		d.name(c, "target", &col.Target)
		if col.Type != TypeLookup {
			d.errorf(a.Range, "Unexpected target", "target applies only to lookup columns.")
		}
	} else if col.Type == TypeLookup {
		d.errorf(b.DefRange, "Missing target", "A lookup column needs target = \"<table>\".")
	}
	if col.Type == TypeCustomer {
		col.Target = "account"
		col.Targets = []string{"account", "contact"}
	}
	if a, ok := c.Attributes["options"]; ok {
		if col.Type != TypeChoice {
			d.errorf(a.Range, "Unexpected options", "options apply only to choice columns.")
		} else {
			var empty bool
			col.Options, col.writtenOptions, empty = d.options(a)
			if empty && !t.External {
				// An external table's options may be unknown (unpack writes
				// {}); a table the project ships needs them.
				d.errorf(a.Expr.Range(), "Missing options", "A choice column needs at least one option: options = { Label = value, ... }.")
			}
		}
	} else if col.Type == TypeChoice {
		d.errorf(b.DefRange, "Missing options", "A choice column needs options = { Label = value, ... }.")
	}
	return col
}

// options reads a choice column's options; written are all of them as
// written, in order, those reported and left out (a value that is no whole
// number or another's) marked, so that a condition naming one is not told
// the option does not exist and one naming another option is told them
// all; empty says the object has none.
func (d *decoder) options(a *hcl.Attribute) (opts []Option, written []writtenOption, empty bool) {
	d.noDuplicateKeys(a.Expr)
	v, ok := d.value(a)
	if !ok {
		return nil, nil, false
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() || v.IsNull() {
		d.errorf(a.Expr.Range(), "Invalid options", "options must be an object of label = whole number, such as { Low = 1, High = 2 }.")
		return nil, nil, false
	}
	if v.LengthInt() == 0 {
		return nil, nil, true
	}
	var out []Option
	seen := map[int]string{}
	vals := v.AsValueMap()
	// free is a value no option has, for a duplicate to take: above every
	// whole value written, or (the greatest taken) the least one unused.
	used, top := map[int]bool{}, 0
	for _, ov := range vals {
		if n, err := convertInt(ov); err == "" {
			used[n], top = true, max(top, n)
		}
	}
	free := func() int {
		n := top + 1
		for n > math.MaxInt32 || used[n] {
			if n++; n > math.MaxInt32 {
				n = 1
			}
		}
		used[n] = true
		return n
	}
	for _, o := range optionKeys(a.Expr, vals) {
		k, ov := o.label, vals[o.label]
		if strings.TrimSpace(k) == "" {
			d.errorf(o.keyRange, "Invalid options", "An option needs a label (Dataverse shows it in the form and the views); %q has none: give it one, such as { Low = 1 }.", k)
			continue
		}
		if problem := valueProblem(cty.StringVal(k)); problem != "" {
			d.errorf(o.keyRange, "Invalid options", "The label of option %q: %s", k, problem)
			continue
		}
		// An option's label is a one-line label as a display name is (the
		// form's choice list, the views), refused and suggested alike.
		var warn func(read string) // under OneLineLabels, for a label read on one line
		if at, what := lineBreakIn(k); at >= 0 && d.oneLineLabels {
			orig := k
			warn = func(read string) {
				d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: LabelNotOneLine,
					Detail: fmt.Sprintf("The option label %s holds %s at character %d, which an option's label no longer may; it was read as %s.",
						optionLabel(orig), what, at+1, optionLabel(read)),
					Subject: o.keyRange.Ptr()})
			}
			k = OneLine(k)
		} else if at >= 0 {
			hint := "give it a label of one line"
			if fix := OneLine(k); fix != "" {
				hint = fmt.Sprintf("write it as one line of plain text, e.g. %s = %s", optionLabel(fix), FormatValue(ov))
			}
			d.errorf(o.keyRange, "Invalid options", "An option's label is one line of text (Dataverse shows it in the form's choice list and the views, with no line breaks, tabs or other control characters); %s holds %s at character %d: %s.",
				optionLabel(k), what, at+1, hint)
			continue
		}
		n, err := convertInt(ov)
		if err != "" {
			d.errorf(o.valueRange, "Invalid options", "The value of option %q must be a whole number; %s.", k, err)
			written = append(written, writtenOption{Label: k, NoInt: true})
			continue
		}
		if warn != nil {
			// As unpack does: a label one-lined to nothing is its value,
			// one onto another's is told apart by its value.
			if _, taken := vals[k]; k == "" {
				k = strconv.Itoa(n)
			} else if taken || slices.ContainsFunc(written, func(w writtenOption) bool { return w.Label == k }) {
				k += " (" + strconv.Itoa(n) + ")"
			}
			warn(k)
		}
		asWritten := ""
		if warn != nil {
			asWritten = o.label
		}
		if other, dup := seen[n]; dup {
			d.errorf(o.keyRange, "Duplicate option value", "Options %q and %q both have the value %d; give each option a value of its own, e.g. %s = %d.", other, k, n, optionLabel(k), free())
			written = append(written, writtenOption{Label: k, Value: n, DupOf: other, Written: asWritten})
			continue
		}
		seen[n] = k
		out = append(out, Option{Label: k, Value: n})
		written = append(written, writtenOption{Label: k, Value: n, Written: asWritten})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out, written, false
}

// maxLengthOf is the most characters Dataverse lets a column of type typ
// hold: 4,000 for single-line text (an email address too), 1,048,576 for
// multiple lines.
// HasMaxLength says whether a column of type typ has a max_length (string,
// memo and email columns).
func HasMaxLength(typ string) bool {
	return typ == TypeString || typ == TypeMemo || typ == TypeEmail
}

func maxLengthOf(typ string) int {
	if typ == TypeMemo {
		return 1048576
	}
	return 4000
}

// optionKey is one option's label and where its key and value are written.
type optionKey struct {
	label                string
	keyRange, valueRange hcl.Range
}

// optionKeys lists the labels of vals in the order the object expression e
// writes them, each once, with the ranges of its key and value, so the
// diagnostics about options are the same from run to run and point at the
// option. When e is not a literal object, the labels come sorted and every
// range is the whole expression.
func optionKeys(e hcl.Expression, vals map[string]cty.Value) []optionKey {
	var out []optionKey
	listed := map[string]bool{}
	if pairs, diags := hcl.ExprMap(e); !diags.HasErrors() {
		for _, kv := range pairs {
			k, ok := objectKey(kv.Key)
			if _, known := vals[k]; !ok || !known || listed[k] {
				continue
			}
			listed[k] = true
			out = append(out, optionKey{label: k, keyRange: kv.Key.Range(), valueRange: kv.Value.Range()})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if !listed[k] {
			out = append(out, optionKey{label: k, keyRange: e.Range(), valueRange: e.Range()})
		}
	}
	return out
}

// noDuplicateKeys reports a key an object expression gives twice, which
// evaluating it would silently drop.
func (d *decoder) noDuplicateKeys(e hcl.Expression) {
	pairs, diags := hcl.ExprMap(e)
	if diags.HasErrors() {
		return
	}
	seen := map[string]hcl.Range{}
	for _, kv := range pairs {
		k, ok := objectKey(kv.Key)
		if !ok {
			continue
		}
		if prev, dup := seen[k]; dup {
			d.errorf(kv.Key.Range(), "Duplicate key", "%q is already given at %s; give each key once.", k, rangeText(prev))
			continue
		}
		seen[k] = kv.Key.Range()
	}
}

func convertInt(v cty.Value) (int, string) {
	if v.IsNull() || v.Type() != cty.Number {
		return 0, "got " + describe(v)
	}
	f := v.AsBigFloat()
	if !f.IsInt() {
		return 0, "got " + describe(v)
	}
	i, acc := f.Int64()
	if acc != 0 || i > 1<<31-1 || i < -(1<<31) {
		return 0, "got " + describe(v) + ", outside Dataverse's whole numbers (-2,147,483,648 to 2,147,483,647)"
	}
	return int(i), ""
}

// optionLabel is an option's label as written in options = { ... }: bare
// when HCL takes it so, else quoted as HCL quotes ("In progress", "Cost
// $${x}"), which parses back to the label: Go's quoting escaped controls
// as \x and left "${" to be read as a template.
func optionLabel(label string) string {
	if hclsyntax.ValidIdentifier(label) {
		return label
	}
	return FormatValue(cty.StringVal(label))
}
