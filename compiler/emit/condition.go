package emit

import (
	"strconv"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// conditionIssue says why Dataverse cannot encode a condition, or returns ""
// when it can: comparisons of self.<column> with a literal, null or another
// column, combined by only && or only ||, a boolean column, true or false.
// A clause of an && may itself be one column equal to any of several values
// (self.x == a || self.x == b), which Dataverse writes as one Equal with
// several values.
func conditionIssue(e compiler.Expr) string {
	switch e := e.(type) {
	case *compiler.Literal:
		if e.Kind == compiler.KindBool {
			return ""
		}
		return "is a constant that is not true or false"
	case *compiler.ColumnRef:
		if e.Col != nil && e.Col.Type == compiler.TypeBoolean {
			return ""
		}
		return "tests a column that is not a two-options column"
	case *compiler.VarRef:
		return varIssue(e)
	case *compiler.Call:
		return callIssue(e)
	case *compiler.Not:
		if b, ok := e.X.(*compiler.Binary); ok && nullTest(b) != nil {
			return ""
		}
		if c, ok := e.X.(*compiler.Call); ok && callIssue(c) == "" {
			return "" // DoesNotContain, DoesNotBeginWith, DoesNotEndWith
		}
		return "negates with !, which Dataverse conditions do not offer"
	case *compiler.Binary:
		if e.Op == compiler.OpAnd || e.Op == compiler.OpOr {
			if ops := logicalOps(e); ops[compiler.OpAnd] && ops[compiler.OpOr] {
				return "mixes && and ||; a Dataverse condition combines its clauses with one operator"
			}
			return clausesIssue(e)
		}
		return comparisonIssue(e)
	}
	return "is not a condition Dataverse can encode"
}

// clausesIssue checks the clauses of a logical tree, left to right, once
// its root found one operator: every subtree then has one too, so checking
// the operators again at each level (quadratic in a long && chain) is not
// needed.
func clausesIssue(e compiler.Expr) string {
	if b, ok := e.(*compiler.Binary); ok && (b.Op == compiler.OpAnd || b.Op == compiler.OpOr) {
		if issue := clausesIssue(b.L); issue != "" {
			return issue
		}
		return clausesIssue(b.R)
	}
	return conditionIssue(e)
}

// textOperators are Dataverse's condition operators for contains,
// startswith and endswith, and for their negations.
var textOperators = map[string][2]string{
	"contains":   {"Contains", "DoesNotContain"},
	"startswith": {"BeginsWith", "DoesNotBeginWith"},
	"endswith":   {"EndsWith", "DoesNotEndWith"},
}

// callIssue checks a text function: Dataverse writes it as one condition
// on a column of the record with a text literal.
func callIssue(c *compiler.Call) string {
	if len(c.Args) != 2 {
		return "calls " + c.Func + "() with other than two arguments"
	}
	col, ok := c.Args[0].(*compiler.ColumnRef)
	lit, isLit := c.Args[1].(*compiler.Literal)
	switch {
	case !ok:
		return "calls " + c.Func + "() on a value that is not a self.<column>; Dataverse conditions test a column"
	case !isLit || lit.Kind != compiler.KindString:
		return "calls " + c.Func + "() with a computed value; Dataverse conditions compare with text written in the flow"
	}
	if _, ok := crmLiteral(col.Col, lit); !ok {
		return "calls " + c.Func + "() on " + col.Column + ", whose values Dataverse cannot compare with text"
	}
	return ""
}

func varIssue(v *compiler.VarRef) string {
	return "reads var." + v.Name + "; Dataverse conditions cannot read environment variables"
}

// comparisonIssue checks one comparison.
func comparisonIssue(b *compiler.Binary) string {
	col, other, _ := orient(b)
	if col == nil {
		for _, x := range []compiler.Expr{b.L, b.R} {
			if v, ok := x.(*compiler.VarRef); ok {
				return varIssue(v)
			}
		}
		return "compares without a self.<column> on either side"
	}
	switch o := other.(type) {
	case *compiler.ColumnRef:
		return ""
	case *compiler.VarRef:
		return varIssue(o)
	case *compiler.Literal:
		if o.Kind == compiler.KindNull {
			if b.Op == compiler.OpEq || b.Op == compiler.OpNe {
				return ""
			}
			return "orders against null"
		}
		if _, ok := crmLiteral(col.Col, o); !ok {
			return "compares " + col.Column + " with a value Dataverse cannot write for its type"
		}
		return ""
	}
	return "compares with a computed value"
}

// logicalOps lists the && and || operators of the logical tree rooted at e,
// an in-list under an && counting as one clause.
func logicalOps(e compiler.Expr) map[string]bool {
	ops := map[string]bool{}
	var walk func(x compiler.Expr, underAnd bool)
	walk = func(x compiler.Expr, underAnd bool) {
		if b, ok := x.(*compiler.Binary); ok && (b.Op == compiler.OpAnd || b.Op == compiler.OpOr) {
			if underAnd {
				if _, _, ok := inList(b); ok {
					return
				}
			}
			ops[b.Op] = true
			walk(b.L, b.Op == compiler.OpAnd)
			walk(b.R, b.Op == compiler.OpAnd)
		}
	}
	walk(e, false)
	return ops
}

// inList returns the column and values of e when it is one column equal to
// any of several values, self.x == a || self.x == b || …: what Dataverse's
// designer writes as one Equal condition with several values.
func inList(e compiler.Expr) (*compiler.ColumnRef, []*compiler.Literal, bool) {
	var col *compiler.ColumnRef
	var lits []*compiler.Literal
	var walk func(x compiler.Expr) bool
	walk = func(x compiler.Expr) bool {
		b, ok := x.(*compiler.Binary)
		if !ok {
			return false
		}
		if b.Op == compiler.OpOr {
			return walk(b.L) && walk(b.R)
		}
		if b.Op != compiler.OpEq {
			return false
		}
		c, other, _ := orient(b)
		lit, ok := other.(*compiler.Literal)
		if c == nil || !ok || lit.Kind == compiler.KindNull || (col != nil && (c.Table != col.Table || c.Column != col.Column)) {
			return false
		}
		if _, ok := crmLiteral(c.Col, lit); !ok {
			return false
		}
		col, lits = c, append(lits, lit)
		return true
	}
	if !walk(e) || len(lits) < 2 {
		return nil, nil, false
	}
	return col, lits, true
}

// orient returns the column side of a comparison, the other side, and the
// operator as seen from the column (a literal on the left flips < and >).
func orient(b *compiler.Binary) (*compiler.ColumnRef, compiler.Expr, string) {
	if c, ok := b.L.(*compiler.ColumnRef); ok {
		return c, b.R, b.Op
	}
	if c, ok := b.R.(*compiler.ColumnRef); ok {
		flip := map[string]string{compiler.OpLt: compiler.OpGt, compiler.OpLe: compiler.OpGe, compiler.OpGt: compiler.OpLt, compiler.OpGe: compiler.OpLe}
		op := b.Op
		if f, ok := flip[op]; ok {
			op = f
		}
		return c, b.L, op
	}
	return nil, nil, b.Op
}

// nullTest returns the column of `self.x == null` or `self.x != null`, else nil.
func nullTest(b *compiler.Binary) *compiler.ColumnRef {
	col, other, _ := orient(b)
	if lit, ok := other.(*compiler.Literal); ok && col != nil && lit.Kind == compiler.KindNull && (b.Op == compiler.OpEq || b.Op == compiler.OpNe) {
		return col
	}
	return nil
}

var conditionOperators = map[string]string{
	compiler.OpEq: "Equal", compiler.OpNe: "NotEqual",
	compiler.OpLt: "LessThan", compiler.OpLe: "LessEqual",
	compiler.OpGt: "GreaterThan", compiler.OpGe: "GreaterEqual",
}

// scope allocates the variables of one step or branch (<name>_1, <name>_2, …)
// and collects its activities.
type scope struct {
	name   string
	entity string // the record conditions read, e.g. [InputEntities("primaryEntity")]
	table  string
	vars   *etree.Element
	acts   *etree.Element
	n      int
}

func (s *scope) variable(typeArg string, boolean bool, name string) string {
	v := el(s.vars, "Variable", "x:TypeArguments", typeArg)
	if boolean {
		v.CreateAttr("Default", "False")
	}
	v.CreateAttr("Name", name)
	return name
}

func (s *scope) object() string {
	s.n++
	return s.variable("x:Object", false, s.name+"_"+strconv.Itoa(s.n))
}

func (s *scope) boolean() string {
	s.n++
	return s.variable("x:Boolean", true, s.name+"_"+strconv.Itoa(s.n))
}

// condition writes the evaluation of a condition Dataverse can encode and
// returns the text of the ConditionBranch's Condition argument.
func (s *scope) condition(e compiler.Expr) string {
	if lit, ok := e.(*compiler.Literal); ok {
		return boolText(lit.Value.True())
	}
	result := s.variable("x:Boolean", true, s.name+"_condition")
	s.emit(e, result)
	return ref(result)
}

func (s *scope) emit(e compiler.Expr, result string) {
	switch e := e.(type) {
	case *compiler.ColumnRef:
		operand := s.object()
		s.getProperty(e.Column, operand, "")
		param, _ := s.literal(e.Col, &compiler.Literal{Kind: compiler.KindBool, Value: ctyTrue})
		s.evalCondition("Equal", []string{param}, operand, result)
	case *compiler.Call:
		s.textCompare(e, false, result)
	case *compiler.Not:
		if c, ok := e.X.(*compiler.Call); ok {
			s.textCompare(c, true, result)
			return
		}
		b := e.X.(*compiler.Binary)
		neg := &compiler.Binary{Op: compiler.OpEq, L: b.L, R: b.R}
		if b.Op == compiler.OpEq {
			neg.Op = compiler.OpNe
		}
		s.compare(neg, result)
	case *compiler.Binary:
		if e.Op == compiler.OpAnd || e.Op == compiler.OpOr {
			l := s.boolean()
			s.emitClause(e, e.L, l)
			r := s.boolean()
			s.emitClause(e, e.R, r)
			s.logical(map[string]string{compiler.OpAnd: "And", compiler.OpOr: "Or"}[e.Op], l, r, result)
			return
		}
		s.compare(e, result)
	}
}

// emitClause writes a clause of parent: an in-list clause of an && as one
// Equal with its values, as Dataverse does (logicalOps counts it so).
func (s *scope) emitClause(parent *compiler.Binary, e compiler.Expr, result string) {
	// The operator before inList, which walks all of e: under an || chain
	// that walk at every level was quadratic.
	if parent.Op == compiler.OpAnd {
		if col, lits, ok := inList(e); ok {
			operand := s.object()
			s.getProperty(col.Column, operand, "")
			params := make([]string, len(lits))
			for i, lit := range lits {
				params[i], _ = s.literal(col.Col, lit)
			}
			s.evalCondition("Equal", params, operand, result)
			return
		}
	}
	s.emit(e, result)
}

func (s *scope) compare(b *compiler.Binary, result string) {
	col, other, op := orient(b)
	operand := s.object()
	s.getProperty(col.Column, operand, "")
	switch o := other.(type) {
	case *compiler.ColumnRef:
		param := s.object()
		s.getProperty(o.Column, param, "")
		s.evalCondition(conditionOperators[op], []string{param}, operand, result)
	case *compiler.Literal:
		if o.Kind == compiler.KindNull {
			s.evalCondition(map[string]string{compiler.OpEq: "Null", compiler.OpNe: "NotNull"}[op], nil, operand, result)
			return
		}
		param, _ := s.literal(col.Col, o)
		s.evalCondition(conditionOperators[op], []string{param}, operand, result)
	}
}

// textCompare writes contains, startswith or endswith (negated: their
// DoesNot… operators) on a column with a text literal.
func (s *scope) textCompare(c *compiler.Call, negated bool, result string) {
	col, lit := c.Args[0].(*compiler.ColumnRef), c.Args[1].(*compiler.Literal)
	operand := s.object()
	s.getProperty(col.Column, operand, "")
	param, _ := s.literal(col.Col, lit)
	op := textOperators[c.Func][0]
	if negated {
		op = textOperators[c.Func][1]
	}
	s.evalCondition(op, []string{param}, operand, result)
}

// getProperty reads a column of the scope's record into variable v.
func (s *scope) getProperty(column, v, target string) {
	g := el(s.acts, "mxswa:GetEntityProperty", "Attribute", column, "Entity", s.entity, "EntityName", s.table, "Value", ref(v))
	typeLiteral(g.CreateElement("mxswa:GetEntityProperty.TargetType"), "", target)
}

// evaluate adds an EvaluateExpression activity.
func (s *scope) evaluate(op, params, target, result string) {
	args := refArgs(activityRef(s.acts, "EvaluateExpression", "EvaluateExpression"))
	inArg(args, "x:String", "ExpressionOperator", op)
	inArg(args, "s:Object[]", "Parameters", "[New Object() { "+params+" }]")
	typeLiteral(args, "TargetType", target)
	outArg(args, "x:Object", "Result", ref(result))
}

func (s *scope) evalCondition(op string, params []string, operand, result string) {
	args := refArgs(activityRef(s.acts, "EvaluateCondition", "EvaluateCondition"))
	inArg(args, "mxsq:ConditionOperator", "ConditionOperator", op)
	if params == nil {
		xNull(args, "Parameters")
	} else {
		inArg(args, "s:Object[]", "Parameters", "[New Object() { "+join(params)+" }]")
	}
	inArg(args, "x:Object", "Operand", ref(operand))
	outArg(args, "x:Boolean", "Result", ref(result))
}

func (s *scope) logical(op, left, right, result string) {
	args := refArgs(activityRef(s.acts, "EvaluateLogicalCondition", "EvaluateLogicalCondition"))
	inArg(args, "mxsq:LogicalOperator", "LogicalOperator", op)
	inArg(args, "x:Boolean", "LeftOperand", ref(left))
	inArg(args, "x:Boolean", "RightOperand", ref(right))
	outArg(args, "x:Boolean", "Result", ref(result))
}

// literal writes a literal as the CRM value of col's type (CreateCrmType) and
// returns the variable holding it. A lookup takes two steps: the id, then the
// reference built from it.
func (s *scope) literal(col *compiler.Column, lit *compiler.Literal) (string, bool) {
	v, ok := crmLiteral(col, lit)
	if !ok {
		return "", false
	}
	result := s.object()
	if v.lookup != "" {
		id := s.object()
		s.evaluate("CreateCrmType", "Microsoft.Xrm.Sdk.Workflow.WorkflowPropertyType.Guid, "+quoted(v.value)+`, "Key"`, "mxs:EntityReference", id)
		s.evaluate("CreateCrmType", "Microsoft.Xrm.Sdk.Workflow.WorkflowPropertyType.EntityReference, "+quoted(v.lookup)+`, "", `+id+`, "Lookup"`, "mxs:EntityReference", result)
		return result, true
	}
	params := "Microsoft.Xrm.Sdk.Workflow.WorkflowPropertyType." + v.propertyType + ", " + quoted(v.value)
	if v.marker != "" {
		params += ", " + quoted(v.marker)
	}
	s.evaluate("CreateCrmType", params, v.target, result)
	return result, true
}

func join(list []string) string {
	out := ""
	for i, x := range list {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
