package odata

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Expr is a parsed $filter expression.
type Expr interface{ expr() }

// Logical is `L and R` or `L or R`.
type Logical struct {
	Op   string // "and", "or"
	L, R Expr
}

// Not negates X.
type Not struct{ X Expr }

// Compare is `Left op Right` with op one of eq ne gt ge lt le.
type Compare struct {
	Op          string
	Left, Right Operand
}

// Func is contains(Column, 'text'), startswith(...) or endswith(...).
type Func struct {
	Name   string
	Column string
	Arg    Operand
}

// QueryFunc is one of Dataverse's query functions that $filter takes,
// Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b']):
// Name without its namespace, the property, and the values as written
// (Dataverse's are text, whatever the column's type).
type QueryFunc struct {
	Name   string
	Column string
	Values []string
}

// QueryFunctions are the query functions QueryFunc holds, with the
// parameters beside PropertyName each takes.
var QueryFunctions = map[string]string{"In": "PropertyValues", "NotIn": "PropertyValues", "Null": "", "NotNull": ""}

const queryNamespace = "Microsoft.Dynamics.CRM."

// queryAlias is the namespace's alias, as $metadata declares it
// (Alias="mscrm"): mscrm.In names the same function.
const queryAlias = "mscrm."

// queryFunctionName is the function name after the namespace or its alias
// (either in any case), and whether text has one of them.
func queryFunctionName(text string) (string, bool) {
	for _, ns := range []string{queryNamespace, queryAlias} {
		if len(text) > len(ns) && strings.EqualFold(text[:len(ns)], ns) {
			return text[len(ns):], true
		}
	}
	return "", false
}

// Operand is a Column or a Literal.
type Operand interface{ operand() }

// Column is a property name as written (e.g. name, _parentaccountid_value).
type Column struct{ Name string }

// Literal is a constant: string, float64, bool, time.Time, Date, GUID,
// Enum or nil (null).
type Literal struct{ Value any }

// Date is an unquoted date without a time (birthdate eq 2026-01-31):
// midnight UTC. A date-only column compares with it, and a date and time
// column with its midnight.
type Date struct{ time.Time }

// Enum is a value of an enum type, written with its qualified type name:
// Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist' (Dataverse's metadata
// has such properties; its tables' choices are numbers).
type Enum struct {
	Type, Member string
}

// GUID is an unquoted GUID literal (accountid eq 5f3e…), as Dataverse
// writes ids; lower case. A quoted id is a string.
type GUID string

func (Logical) expr()    {}
func (Not) expr()        {}
func (Compare) expr()    {}
func (Func) expr()       {}
func (QueryFunc) expr()  {}
func (Column) operand()  {}
func (Literal) operand() {}

// Error is a syntax error with the byte offset where it was found.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("at position %d: %s", e.Pos+1, e.Msg) }

// ParseFilter parses a $filter value.
func ParseFilter(s string) (Expr, error) {
	p := &parser{lex: lexer{src: s}}
	p.next()
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf("unexpected %q; expected and, or or the end%s", p.tok.text, p.symbolHint())
	}
	return e, nil
}

type parser struct {
	lex lexer
	tok token
	col string // the column the operand being read is compared with, when known
}

func (p *parser) next() { p.tok = p.lex.next() }

func (p *parser) errorf(format string, args ...any) error {
	return &Error{Pos: p.tok.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) keyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) or() (Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = Logical{Op: "or", L: l, R: r}
	}
	return l, nil
}

func (p *parser) and() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = Logical{Op: "and", L: l, R: r}
	}
	return l, nil
}

func (p *parser) unary() (Expr, error) {
	if p.keyword("not") {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return Not{X: x}, nil
	}
	if p.tok.kind == tLParen {
		p.next()
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errorf("expected ')'%s", p.symbolHint())
		}
		p.next()
		return e, nil
	}
	return p.comparison()
}

var compareOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

// symbolWords are the operators other languages write as symbols, longest
// first, with OData's word for each.
var symbolWords = []struct{ sym, word string }{
	{"==", "eq"}, {"!=", "ne"}, {"<>", "ne"}, {">=", "ge"}, {"<=", "le"}, {"&&", "and"}, {"||", "or"},
	{"=", "eq"}, {">", "gt"}, {"<", "lt"}, {"!", "not"}, {"&", "and"}, {"|", "or"},
}

// symbolHint is ": OData writes == as eq" when the filter goes on at the
// current token with such a symbol, "" otherwise.
func (p *parser) symbolHint() string {
	rest := p.lex.src[min(p.tok.pos, len(p.lex.src)):]
	for _, sw := range symbolWords {
		if strings.HasPrefix(rest, sw.sym) {
			return fmt.Sprintf(": OData writes %s as %s", sw.sym, sw.word)
		}
	}
	return ""
}

// Functions lists the functions $filter may call.
var Functions = []string{"contains", "startswith", "endswith"}

func (p *parser) comparison() (Expr, error) {
	if p.tok.kind == tIdent {
		name := strings.ToLower(p.tok.text)
		for _, f := range Functions {
			if name == f {
				return p.call(f)
			}
		}
		if _, ok := queryFunctionName(p.tok.text); ok {
			return p.queryCall()
		}
	}
	first := p.tok
	p.col = ""
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch {
	case first.kind == tIdent && p.tok.kind == tLParen:
		return nil, p.errorf("%s() is not a function $filter has; it calls %s", first.text, strings.Join(Functions, ", "))
	case p.tok.kind == tIdent && strings.EqualFold(p.tok.text, "in"):
		return nil, p.errorf("the in operator is not supported; use %s, as Dataverse's clients do, or join eq comparisons with or", p.inRewrite(l))
	case p.tok.kind != tIdent || !compareOps[strings.ToLower(p.tok.text)]:
		return nil, p.errorf("expected a comparison operator (eq, ne, gt, ge, lt, le)%s", p.symbolHint())
	}
	op := strings.ToLower(p.tok.text)
	p.next()
	if c, ok := l.(Column); ok {
		p.col = c.Name
	}
	r, err := p.operand()
	if err != nil {
		return nil, err
	}
	return Compare{Op: op, Left: l, Right: r}, nil
}

// inRewrite is the query function In that a "x in (…)" at p means, with
// its property and values when they are plain ("…" stands in for what is
// not), so that the error about in shows what to send instead.
func (p *parser) inRewrite(l Operand) string {
	name := "…"
	if c, ok := l.(Column); ok {
		name = c.Name
	}
	values := "'…'"
	q := *p // reads ahead on a copy: the error stays at "in"
	q.next()
	if q.tok.kind == tLParen {
		var vs []string
		for {
			q.next()
			if q.tok.kind != tString && q.tok.kind != tNumber && q.tok.kind != tGUID {
				break
			}
			// PropertyValues are all written in quotes, numbers too.
			vs = append(vs, "'"+strings.ReplaceAll(q.tok.text, "'", "''")+"'")
			q.next()
			if q.tok.kind == tRParen {
				values = strings.Join(vs, ",")
				break
			}
			if q.tok.kind != tComma {
				break
			}
		}
	}
	return fmt.Sprintf("%sIn(PropertyName='%s',PropertyValues=[%s])", queryNamespace, name, values)
}

func (p *parser) call(name string) (Expr, error) {
	p.next()
	if p.tok.kind != tLParen {
		return nil, p.errorf("expected '(' after %s", name)
	}
	p.next()
	if p.tok.kind != tIdent {
		return nil, p.errorf("expected a property name as the first argument of %s", name)
	}
	col := p.tok.text
	p.next()
	if p.tok.kind != tComma {
		return nil, p.errorf("expected ',' in %s", name)
	}
	p.next()
	p.col = col
	arg, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, p.errorf("expected ')' to close %s", name)
	}
	p.next()
	return Func{Name: name, Column: col, Arg: arg}, nil
}

// queryCall reads a call of a Dataverse query function, its parameters
// named as Dataverse names them (in any order).
func (p *parser) queryCall() (Expr, error) {
	written := p.tok.text
	name, _ := queryFunctionName(written)
	values, ok := QueryFunctions[name]
	if !ok {
		var known []string
		for n := range QueryFunctions {
			known = append(known, queryNamespace+n)
		}
		slices.Sort(known)
		return nil, p.errorf("%s is not a query function bpfc has; it has %s (Dataverse's others, such as LastXDays or Under, are not supported: compare the column with eq, gt, lt…)", written, strings.Join(known, ", "))
	}
	p.next()
	if p.tok.kind != tLParen {
		return nil, p.errorf("expected '(' after %s", written)
	}
	p.next()
	q := QueryFunc{Name: name}
	seen := map[string]bool{}
	for p.tok.kind != tRParen {
		if len(seen) > 0 {
			if p.tok.kind != tComma {
				return nil, p.errorf("expected ',' or ')' in %s", written)
			}
			p.next()
		}
		param := p.tok.text
		if known := param == "PropertyName" || values != "" && param == values; p.tok.kind != tIdent || !known {
			want := "PropertyName"
			if values != "" {
				want += " or " + values
			}
			return nil, p.errorf("%s takes %s, not %q", written, want, param)
		}
		if seen[param] {
			return nil, p.errorf("%s is given twice in %s", param, written)
		}
		seen[param] = true
		p.next()
		if p.tok.kind != tEquals {
			return nil, p.errorf("expected '=' after %s", param)
		}
		p.next()
		if param == "PropertyName" {
			if p.tok.kind != tString {
				return nil, p.errorf("%s's PropertyName is a property's name in quotes, PropertyName='name'", written)
			}
			q.Column = p.tok.text
			p.next()
			continue
		}
		if p.tok.kind != tLBracket {
			return nil, p.errorf("%s's %s is a list of values in quotes, %s=['a','b']", written, values, values)
		}
		p.next()
		for p.tok.kind != tRBracket {
			if len(q.Values) > 0 {
				if p.tok.kind != tComma {
					return nil, p.errorf("expected ',' or ']' in %s", values)
				}
				p.next()
			}
			if p.tok.kind != tString {
				return nil, p.errorf("%s's values are written in quotes, whatever the column's type: ['1','2']", values)
			}
			q.Values = append(q.Values, p.tok.text)
			p.next()
		}
		if len(q.Values) == 0 {
			return nil, p.errorf("%s is empty: name at least one value", values)
		}
		p.next()
	}
	if !seen["PropertyName"] || values != "" && !seen[values] {
		want := "PropertyName"
		if values != "" {
			want += " and " + values
		}
		return nil, p.errorf("%s needs %s", written, want)
	}
	p.next()
	return q, nil
}

func (p *parser) operand() (Operand, error) {
	t := p.tok
	switch t.kind {
	case tString:
		p.next()
		return Literal{Value: t.text}, nil
	case tNumber:
		p.next()
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, &Error{Pos: t.pos, Msg: "invalid number " + t.text}
		}
		return Literal{Value: f}, nil
	case tGUID:
		p.next()
		return Literal{Value: GUID(strings.ToLower(t.text))}, nil
	case tEnum:
		p.next()
		return Literal{Value: Enum{Type: t.text, Member: t.member}}, nil
	case tDate:
		p.next()
		if tm, ok := ParseTime(t.text); ok {
			return Literal{Value: tm}, nil
		}
		if tm, err := time.Parse("2006-01-02", t.text); err == nil {
			return Literal{Value: Date{tm}}, nil
		}
		return nil, &Error{Pos: t.pos, Msg: p.dateError(t.text)}
	case tIdent:
		p.next()
		switch strings.ToLower(t.text) {
		case "null":
			return Literal{Value: nil}, nil
		case "true":
			return Literal{Value: true}, nil
		case "false":
			return Literal{Value: false}, nil
		}
		return Column{Name: t.text}, nil
	}
	if t.kind == tEOF {
		return nil, p.errorf("unexpected end of the filter; expected a property name or a value")
	}
	if t.kind == tInvalid {
		if msg := quoteError(p.lex.src[t.pos:]); msg != "" {
			return nil, p.errorf("%s", msg)
		}
	}
	return nil, p.errorf("unexpected %q; expected a property name or a value%s", t.text, p.symbolHint())
}

// quoteError explains the common mistakes in quoting text that src, the
// filter from an unexpected character on, starts with: double quotes
// (JSON's and C#'s, not OData's) and a quote never closed. "" for others.
func quoteError(src string) string {
	switch {
	case strings.HasPrefix(src, `"`):
		if end := strings.IndexByte(src[1:], '"'); end >= 0 {
			text := src[1 : end+1]
			return fmt.Sprintf("text is written in single quotes, '%s', not double quotes (a ' inside is written '')", strings.ReplaceAll(text, "'", "''"))
		}
		return "text is written in single quotes, 'like this', not double quotes"
	case strings.HasPrefix(src, "'"):
		return fmt.Sprintf("the text %s has no closing quote: end it with ' (a ' inside is written '')", src)
	}
	return ""
}

// dateError says what is wrong with the unquoted date text and, for a
// time without its zone (which OData requires), the literal to write, with
// the column it is compared with when the parser knows it.
func (p *parser) dateError(text string) string {
	msg := "invalid date " + text
	if p.col != "" {
		msg += " for " + p.col
	}
	if TimeWithoutZone(text) {
		msg += fmt.Sprintf(": a time needs its zone, such as %sZ (UTC) or %s+02:00", text, text)
	}
	return msg
}

// ParseTime reads an unquoted date and time literal, in UTC. OData's
// time of day may leave out its seconds (10:00Z).
func ParseTime(text string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if tm, err := time.Parse(layout, text); err == nil {
			return tm.UTC(), true
		}
	}
	return time.Time{}, false
}

// TimeWithoutZone reports whether text is a date and time of day without a
// zone (2026-05-04T10:00:00, seconds and fractions optional), which a
// $filter must write with one.
func TimeWithoutZone(text string) bool {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if _, err := time.Parse(layout, text); err == nil {
			return true
		}
	}
	return false
}
