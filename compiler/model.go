package compiler

import (
	"maps"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Project is the checked model of a bpfc project: everything later stages
// (build, deploy, run) need, with the source ranges diagnostics point at.
// Slices are in a deterministic order: flows, tables, variables, roles and
// workflows sorted by name; stages and steps in the order written.
type Project struct {
	Dir          string
	Files        map[string]*hcl.File // parsed sources by file name, for rendering diagnostics
	Solution     *Solution
	Environments []*Environment // in the order written: the pipeline order
	Variables    []*Variable
	Tables       []*Table // every table a project can use: standard, extended, custom, external
	Flows        []*Flow
	Roles        []*Role
	Workflows    []*Workflow
	Policy       *Policy // nil when the project has none

	// misspelt holds, by the block type meant, the labels of top-level
	// blocks whose type is a misspelling of it (Environment "test"): hcl
	// reports the block, so a reference to its label is not reported again.
	misspelt map[string]map[string]bool
}

// misspeltDecl says whether name is the label of a top-level block whose
// type misspells kind: a reference to it is a knock-on of that mistake.
func (p *Project) misspeltDecl(kind, name string) bool { return p.misspelt[kind][name] }

// Solution is the solution block with its publisher.
type Solution struct {
	Name        string // unique name (the label)
	DisplayName string
	Version     string // as written: four dot-separated integers
	VersionNums [4]int // parsed Version
	Description string
	Publisher   *Publisher
	DeclRange   hcl.Range
}

// Publisher owns the solution's customization prefix.
type Publisher struct {
	Name              string
	DisplayName       string
	Prefix            string
	OptionValuePrefix int
	DeclRange         hcl.Range
}

// Environment is one stage of the ALM pipeline.
type Environment struct {
	Name                   string
	Managed                bool
	Store                  string // "" = sqlite at .bpfc/<name>.db
	URL                    string // remote environment served by `bpfc serve`
	PromoteFrom            string
	Values                 map[string]cty.Value // variable name -> value, converted to the variable's type
	ValueRanges            map[string]hcl.Range
	MaxActiveFlowsPerTable int    // default 10
	Attrs                  Ranges // where each attribute was written
	DeclRange              hcl.Range
	BlockRange             hcl.Range // the whole block, to its closing brace
}

// Variable types.
const (
	VarString  = "string"
	VarNumber  = "number"
	VarBoolean = "boolean"
	VarJSON    = "json"
	VarSecret  = "secret"
)

// Variable is an environment variable definition.
type Variable struct {
	Name        string
	SchemaName  string // <prefix>_<name>, as Dataverse names definitions
	Type        string
	Default     cty.Value // cty.NilVal when there is none
	DisplayName string
	Description string
	// Optional (required = false, Dataverse's IsRequired 0): without a
	// default, an environment may give it no value; it is then empty.
	Optional  bool
	DeclRange hcl.Range
}

// EnvVarNames are the process environment variables that give v's value
// at deploy time, the one by schema name (BPFC_VAR_<SCHEMANAME>) first: it
// cannot reach another solution's variable of the same short name, which
// the short name's (BPFC_VAR_<NAME>, what existing pipelines set) can.
// One name when both are the same or the schema name is not known yet.
func (v *Variable) EnvVarNames() []string {
	short, schema := v.ShortEnvVar(), v.SchemaEnvVar()
	if v.SchemaName == "" || schema == short {
		return []string{short}
	}
	return []string{schema, short}
}

// ShortEnvVar is the process environment variable of v by its short
// name, BPFC_VAR_<NAME>.
func (v *Variable) ShortEnvVar() string { return "BPFC_VAR_" + strings.ToUpper(v.Name) }

// SchemaEnvVar is the process environment variable of v by its schema
// name, BPFC_VAR_<PREFIX>_<NAME>.
func (v *Variable) SchemaEnvVar() string { return "BPFC_VAR_" + strings.ToUpper(v.SchemaName) }

// EnvVarHint is what a message tells the user to set for v's value:
// "BPFC_VAR_CTS_HOOK (or BPFC_VAR_HOOK)".
func (v *Variable) EnvVarHint() string {
	n := v.EnvVarNames()
	if len(n) == 1 {
		return n[0]
	}
	return n[0] + " (or " + n[1] + ")"
}

// GivesDefault reports whether the default is a value: declared, and not
// empty text ("" is no value: a deploy asks for one).
func (v *Variable) GivesDefault() bool {
	return v.HasDefault() && v.Default.IsKnown() && !(v.Default.Type() == cty.String && v.Default.AsString() == "")
}

// HasDefault reports whether the variable declares a default value.
func (v *Variable) HasDefault() bool { return v.Default != cty.NilVal && !v.Default.IsNull() }

// Column types.
const (
	TypeString   = "string"
	TypeMemo     = "memo"
	TypeInteger  = "integer"
	TypeDecimal  = "decimal"
	TypeMoney    = "money"
	TypeBoolean  = "boolean"
	TypeDateTime = "datetime"
	TypeChoice   = "choice"
	TypeLookup   = "lookup"
	TypeCustomer = "customer"
	TypeEmail    = "email"
	// Types only system columns have (never declared in HCL).
	TypeUniqueID = "uniqueidentifier"
	TypeState    = "state"
	TypeStatus   = "status"
)

// Table is a table a project can use.
type Table struct {
	Name          string // logical name
	DisplayName   string
	PrimaryColumn string // primary name column
	PrimaryKey    string // <name>id
	Standard      bool   // shipped by every environment (account, lead, ...)
	External      bool   // belongs to another solution: checked, not shipped
	Custom        bool   // declared by this project and shipped with it
	Extended      bool   // a standard or external table this project adds columns to
	// Ownership is a custom table's: "" (user or team owned, the default:
	// ownerid) or OwnershipOrganization (no owner: organizationid).
	Ownership string
	Columns   []*Column // in declaration order; standard columns first
	Attrs     Ranges    // where each attribute was written
	DeclRange hcl.Range // zero for standard tables the project does not mention

	// invalidName is set when the table's declared name is no valid
	// logical name ("fx_Thing"), which its declaration is told: no
	// suggestion names it, and a use of it, or of the name its
	// declaration is told to take, is not reported again
	// (invalidTableUse).
	invalidName bool
}

// invalidTableUse says whether name, which no table of p has, names a
// table whose declared name is invalid: that name in another case, or the
// valid name its declaration's error suggests ("fx_thing" for
// "fx_Thing"). Its declaration is reported; an Unknown table for the use
// would be a knock-on of that one mistake.
func (p *Project) invalidTableUse(name string) bool {
	for _, t := range p.Tables {
		if t.invalidName && (strings.EqualFold(t.Name, name) || name == nearestName(t.Name, 50, "", identRe)) {
			return true
		}
	}
	return false
}

// OwnershipOrganization is an organization-owned custom table's Ownership
// (Dataverse's OwnershipTypeMask OrgOwned).
const OwnershipOrganization = "organization"

// OwnershipName is a custom table's ownership as people write it ("user",
// the default, or "organization"); other tables have none ("").
func (t *Table) OwnershipName() string {
	switch {
	case !t.Custom:
		return ""
	case t.Ownership == "":
		return "user"
	}
	return t.Ownership
}

// Column returns the named column or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// invalidUse says whether name, which t has no column of, names a column
// of t whose declared name is invalid: that name in another case, or the
// valid name its declaration's error suggests ("fx_reason" for
// "fx_Reason"). Its declaration is reported; an Unknown column for the
// use would be a knock-on of that one mistake.
func (t *Table) invalidUse(name string) bool {
	for _, c := range t.Columns {
		if c.invalidName && (strings.EqualFold(c.Name, name) || name == nearestName(c.Name, 50, "", identRe)) {
			return true
		}
	}
	return false
}

// Column is one column of a table.
type Column struct {
	Name        string
	DisplayName string
	Type        string
	MaxLength   int      // string, memo, email
	Target      string   // lookup target table; customer: "account"
	Targets     []string // customer: account and contact
	Options     []Option // choice, sorted by value
	Required    bool
	// Behavior is a datetime column's: "" (user local, the default) or
	// BehaviorDateOnly or BehaviorTimeZoneIndependent.
	Behavior  string
	Standard  bool // part of the standard catalog
	Table     string
	Attrs     Ranges // where each attribute was written
	DeclRange hcl.Range

	// invalidName is set when the column's declared name is no valid
	// logical name ("fx_Reason"), which its declaration is told: no
	// suggestion names it, and a use of it, or of the name its
	// declaration is told to take, is not reported again (invalidUse).
	invalidName bool

	// writtenOptions are a choice column's options as the project writes
	// them, in order, with those reported and left out of Options (a value
	// that is another's or no whole number); nil for a catalog column.
	writtenOptions []writtenOption
}

// writtenOption is one option of a choice column as written.
type writtenOption struct {
	Label string
	// Written is the label as written when LoadOptions.OneLineLabels read
	// it on one line as Label ("" otherwise): a condition's text that names
	// it as written names the option.
	Written string
	Value   int    // unless NoInt
	DupOf   string // the option whose value it repeats (refused)
	NoInt   bool   // its value is no whole number (refused)
}

func (o writtenOption) refused() bool { return o.DupOf != "" || o.NoInt }

// Behaviors of a datetime column, as Dataverse's DateTimeBehavior: user
// local (the default; "" in a Column) converts to and from the user's time
// zone, date only holds a calendar date with no time and no conversion,
// time-zone independent holds a date and time with no conversion.
const (
	BehaviorUserLocal           = "user_local"
	BehaviorDateOnly            = "date_only"
	BehaviorTimeZoneIndependent = "time_zone_independent"
)

// DateBehaviors lists the behaviors a datetime column may declare.
var DateBehaviors = []string{BehaviorUserLocal, BehaviorDateOnly, BehaviorTimeZoneIndependent}

// BehaviorName is a datetime column's behavior as the language writes it:
// user_local for the default ("").
func BehaviorName(b string) string {
	if b == "" {
		return BehaviorUserLocal
	}
	return b
}

// dataverseBehaviors are Dataverse's DateTimeBehavior for each behavior:
// the number Customizations.xml writes and the name metadata gives.
var dataverseBehaviors = []struct {
	behavior string
	number   int
	name     string
}{{"", 1, "UserLocal"}, {BehaviorDateOnly, 2, "DateOnly"}, {BehaviorTimeZoneIndependent, 3, "TimeZoneIndependent"}}

// DataverseBehavior is Dataverse's DateTimeBehavior of a column's behavior
// b ("" or user_local: user local): its number and its name.
func DataverseBehavior(b string) (number int, name string) {
	for _, d := range dataverseBehaviors {
		if d.behavior == b {
			return d.number, d.name
		}
	}
	return 1, "UserLocal"
}

// BehaviorFromDataverse reads Dataverse's DateTimeBehavior, by number (as
// Customizations.xml writes it) or by name, case aside: "" for user local
// and for what bpfc does not know.
func BehaviorFromDataverse(s string) string {
	s = strings.TrimSpace(s)
	for _, d := range dataverseBehaviors {
		if s == strconv.Itoa(d.number) || strings.EqualFold(s, d.name) {
			return d.behavior
		}
	}
	return ""
}

// DateOnly reports whether c holds a calendar date without a time.
func (c *Column) DateOnly() bool { return c.Behavior == BehaviorDateOnly }

// Option is one value of a choice column.
type Option struct {
	Label string
	Value int
}

// DefaultStatusReasons are the status reasons of a table whose statuscode
// lists none of its own: Dataverse's default pair.
var DefaultStatusReasons = []Option{{Label: "Active", Value: 1}, {Label: "Inactive", Value: 2}}

// Flow types.
const (
	FlowBusiness = "business"
	FlowTask     = "task"
)

// Flow is a business process flow (or task flow).
type Flow struct {
	Name          string // the label
	DisplayName   string
	Description   string
	PrimaryTable  string
	Order         int
	Type          string
	Active        bool
	UniqueName    string // default: label without underscores
	InstanceTable string // <prefix>_<unique_name>
	Owner         string
	Stages        []*Stage
	OnFinish      []*WorkflowRef
	OnAbandon     []*WorkflowRef
	Attrs         Ranges // where each attribute was written
	DeclRange     hcl.Range
}

// Stage returns the named stage or nil.
func (f *Flow) Stage(name string) *Stage {
	for _, s := range f.Stages {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// StageNames are the names of stages (a flow's, a path's), in order.
func StageNames(stages []*Stage) []string {
	out := make([]string, len(stages))
	for i, s := range stages {
		out[i] = s.Name
	}
	return out
}

// Tables lists the distinct tables of the flow's stages in first-use order.
func (f *Flow) Tables() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range f.Stages {
		if !seen[s.Table] {
			seen[s.Table] = true
			out = append(out, s.Table)
		}
	}
	return out
}

// Stage categories and their Dataverse option values.
var StageCategories = map[string]int{
	"qualify": 0, "develop": 1, "propose": 2, "close": 3,
	"identify": 4, "research": 5, "resolve": 6, "approval": 7,
}

// Stage is one stage of a flow.
type Stage struct {
	Name         string
	DisplayName  string
	Category     string    // "" = none (-1)
	Table        string    // resolved: defaults applied
	Relationship string    // lookup on Table to the previous stage's table (cross-table stages)
	Steps        []*Step   // data steps and action steps, in the order written
	Branches     []*Branch // evaluated in order; first true wins
	Next         string    // resolved default next stage; "" = the path ends
	NextExplicit bool      // `next` was written
	OnEnter      []*WorkflowRef
	OnExit       []*WorkflowRef
	Index        int    // position in the flow
	Attrs        Ranges // where each attribute was written
	DeclRange    hcl.Range
}

// CategoryValue is the Dataverse StageCategory option value (-1 for none).
func (s *Stage) CategoryValue() int {
	if v, ok := StageCategories[s.Category]; ok {
		return v
	}
	return -1
}

// Successors lists the stages a move from s can reach: branch targets, then Next.
func (s *Stage) Successors() []string {
	var out []string
	for _, b := range s.Branches {
		out = append(out, b.Next)
	}
	if s.Next != "" {
		out = append(out, s.Next)
	}
	return out
}

// PostDominators maps each stage of f to the stages every path from it
// passes through, itself included: where the paths of a branching stage
// meet again. A branching stage without an else (Next "") ends a path, so
// its paths meet nowhere. It does not loop on a cycle (the checks refuse
// one; its result is then partial).
func (f *Flow) PostDominators() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	var visit func(s *Stage) map[string]bool
	visit = func(s *Stage) map[string]bool {
		if d, ok := out[s.Name]; ok {
			return d
		}
		out[s.Name] = map[string]bool{s.Name: true} // guards against cycles
		var meet map[string]bool
		for _, n := range s.Successors() {
			ns := f.Stage(n)
			if ns == nil {
				continue
			}
			d := visit(ns)
			if meet == nil {
				meet = maps.Clone(d)
				continue
			}
			for k := range meet {
				if !d[k] {
					delete(meet, k)
				}
			}
		}
		if len(s.Branches) > 0 && s.Next == "" {
			meet = nil // the else path ends here
		}
		all := map[string]bool{s.Name: true}
		for k := range meet {
			all[k] = true
		}
		out[s.Name] = all
		return all
	}
	for _, s := range f.Stages {
		visit(s)
	}
	return out
}

// Step is a data step (a column to fill) or an action step (a button that runs a workflow).
type Step struct {
	Name        string
	DisplayName string // defaults to the column's display name, else the label
	Column      string // data step
	Required    bool
	Action      bool   // action step
	Workflow    string // action step: the workflow it runs
	Attrs       Ranges // where each attribute was written
	DeclRange   hcl.Range
}

// Branch sends the flow to Next when When holds.
type Branch struct {
	When      Expr
	Next      string
	DeclRange hcl.Range
}

// WorkflowRef is a reference such as workflow.open_folder, with its range.
type WorkflowRef struct {
	Name  string
	Range hcl.Range
}

// Privileges, in Dataverse's order.
var Privileges = []string{"create", "read", "write", "delete", "append", "append_to"}

// Depths and the Dataverse privilege level names.
var Depths = map[string]string{
	"user": "Basic", "business_unit": "Local", "parent_child": "Deep", "organization": "Global",
}

// Role is a security role.
type Role struct {
	Name        string
	DisplayName string
	Grants      []*Grant
	DeclRange   hcl.Range
}

// Grant gives privileges on one flow's instance table, or (an extension)
// on a table when no flow has the name it gives (Project.GrantTable).
type Grant struct {
	Flow       string   // the name the grant gives: a flow's, else a table's
	Privileges []string // subset of Privileges, in that order
	Depth      string   // default "organization"
	Attrs      Ranges   // where each attribute was written
	DeclRange  hcl.Range
}

// Workflow modes.
const (
	ModeBackground = "background"
	ModeRealtime   = "realtime"
)

// Workflow is automation run by stage triggers and action steps.
type Workflow struct {
	Name        string
	DisplayName string
	Table       string
	Mode        string
	WaitUntil   Expr   // background only; nil when absent
	Timeout     string // e.g. "72h"; "" when absent
	Steps       []*WorkflowStep
	Attrs       Ranges // where each attribute was written
	DeclRange   hcl.Range
}

// Workflow step kinds.
const (
	StepUpdate        = "update"
	StepCreate        = "create"
	StepAssign        = "assign"
	StepSendEmail     = "send_email"
	StepChangeStatus  = "change_status"
	StepWebhook       = "webhook"
	StepStartWorkflow = "start_workflow"
	StepStop          = "stop"
)

// WorkflowStep is one step of a workflow. Which fields are set depends on Kind.
type WorkflowStep struct {
	Name string
	Kind string
	When Expr // nil: always
	// update: column -> value on the workflow's table.
	// create: column -> value on CreateTable.
	// send_email: to, subject, body.  webhook: url.  assign: owner.
	// change_status: state, status.
	Values      map[string]Expr
	CreateTable string
	Workflow    string // start_workflow
	DeclRange   hcl.Range
}

// Policy is the project's governance rules.
type Policy struct {
	FlowNamePattern string
	RequireOwner    bool
	ManagedIn       []string
	DeclRange       hcl.Range
}

// Ranges remembers where each attribute's value was written, so that checks
// made after decoding still point at the exact attribute.
type Ranges map[string]hcl.Range

// Of returns the range of attr, or fallback when it was not written.
func (r Ranges) Of(attr string, fallback hcl.Range) hcl.Range {
	if rng, ok := r[attr]; ok {
		return rng
	}
	return fallback
}
