package store

import "time"

// The objects an environment holds.

// Publisher owns a customization prefix.
type Publisher struct {
	Name              string
	DisplayName       string
	Prefix            string
	OptionValuePrefix int
}

// Solution states.
const (
	StateInstalled = "installed"
	StateHolding   = "holding" // a staged upgrade waiting for apply-upgrade
)

// Solution is an installed (or holding) solution.
type Solution struct {
	Name          string // unique name; a holding solution is <base>_Upgrade
	DisplayName   string
	Version       string // four dot-separated integers
	Managed       bool
	Publisher     string
	State         string // StateInstalled or StateHolding
	UpgradeOf     string // holding: the installed solution it upgrades
	BuildDigest   string
	ArchiveSHA256 string
	InstalledOn   time.Time
	ModifiedOn    time.Time
}

// Component kinds.
const (
	KindFlow     = "flow"
	KindWorkflow = "workflow"
	KindRole     = "role"
	KindVariable = "variable"
	KindTable    = "table"  // a custom table
	KindColumn   = "column" // an extra column on a table the solution does not own: "<table>.<column>"
)

// Component is one component of a solution.
type Component struct {
	Kind     string
	Name     string // the flow, workflow, role or variable name; table name; "<table>.<column>"
	ObjectID string // the component id (flows, workflows, roles, variables) or the table name
}

// Workflow categories, as Dataverse numbers them.
const (
	CategoryWorkflow = 0
	CategoryBPF      = 4
)

// Workflow is a workflow record: a business process flow or a classic workflow.
type Workflow struct {
	ID            string
	Name          string // the HCL label
	UniqueName    string
	Solution      string // owning (base) solution; "" when unmanaged and orphaned
	Category      int
	DisplayName   string
	PrimaryTable  string
	Type          string // flows: business | task
	Mode          string // workflows: background | realtime
	Order         int    // process order
	Active        bool   // statecode 1 (Activated)
	InstanceTable string // flows: the instance table
	XAML          string // the workflow XAML, when the archive had it
	Definition    []byte // the runtime's JSON definition (runtime/snapshot)
	CreatedOn     time.Time
	ModifiedOn    time.Time
}

// Stage is a process stage of a flow.
type Stage struct {
	ID           string
	Name         string
	DisplayName  string
	Category     int // -1 none
	Table        string
	Relationship string
	Next         string // default next stage name; "" = the path ends
	Branches     []Branch
	Steps        []Step
}

// Branch is a conditional next stage.
type Branch struct {
	When string `json:"when"` // compiler.FormatExpr text
	Next string `json:"next"`
}

// Step is a data or action step of a stage.
type Step struct {
	ID          string
	Name        string
	DisplayName string
	Column      string
	Required    bool
	Action      bool
	Workflow    string
}

// VariableDefinition is an environment variable definition.
type VariableDefinition struct {
	SchemaName  string
	ID          string
	Name        string
	Solution    string
	Type        string  // string | number | boolean | json | secret
	Default     *string // as Dataverse stores it; nil = none
	DisplayName string
	Description string
}

// VariableValue is the value of a variable in this environment. A secret's
// value is only ever stored sealed (runtime/secret); Value is then empty.
type VariableValue struct {
	SchemaName string
	Value      string
	Sealed     []byte
	Source     string // environment | settings | BPFC_VAR
	ModifiedOn time.Time
}

// StagedValue is a variable's value as the environment held it before a
// staged upgrade (its holding solution, Holding) changed it: what
// cancelling the upgrade gives back, as Dataverse's cancel returns to the
// installed version's state. Had is false when the environment held none.
type StagedValue struct {
	Holding string
	Had     bool
	Value   VariableValue
}

// Table kinds.
const (
	TableStandard = "standard" // shipped by every environment
	TableCustom   = "custom"   // created by a solution
	TableInstance = "instance" // a flow's instance table
)

// RowVersionColumn is the row-version column every real table has.
const RowVersionColumn = "versionnumber"

// Table is a table's metadata.
type Table struct {
	Name          string
	DisplayName   string
	EntitySetName string
	PrimaryKey    string
	PrimaryColumn string
	Kind          string // TableStandard, TableCustom or TableInstance
	Solution      string // owner of custom and instance tables
	Columns       []Column
}

// Column returns the named column and whether it exists.
func (t Table) Column(name string) (Column, bool) {
	for i := range t.Columns { // by index: a Column is too large to copy per step
		if t.Columns[i].Name == name {
			return t.Columns[i], true
		}
	}
	return Column{}, false
}

// Column types beyond compiler's: the row version.
const TypeRowVersion = "rowversion"

// Column is a column's metadata. Types are the compiler's column types
// (string, memo, integer, decimal, money, boolean, datetime, choice, lookup,
// customer, email, uniqueidentifier, state, status) or TypeRowVersion.
type Column struct {
	Name        string
	DisplayName string
	Type        string
	MaxLength   int
	Targets     []string // lookup and customer targets
	Options     []Option // choice, state and status
	Required    bool
	Behavior    string // a datetime column's: "" user local, compiler.BehaviorDateOnly or BehaviorTimeZoneIndependent
	System      bool   // part of the table as the platform or its creator defined it
	Solution    string // the solution that added it to a table it does not own
}

// HoldsIDs reports whether c's values are row ids: a key (uniqueidentifier)
// or a lookup (to one table or, customer, to several).
func (c Column) HoldsIDs() bool {
	switch c.Type {
	case "uniqueidentifier", "lookup", "customer":
		return true
	}
	return false
}

// Polymorphic reports whether c is a lookup to several tables (a
// customer's: account or contact), whose values' tables the store keeps
// beside them (LookupTarget).
func (c Column) Polymorphic() bool {
	return (c.Type == "lookup" || c.Type == "customer") && len(c.Targets) > 1
}

// LookupTarget is the table a polymorphic lookup's value points at: the
// lookup Column of row Row of Table held Value, a row of Target, when it
// was written. Dataverse keeps it beside the id (parentcustomeridtype);
// an account and a contact may share an id.
type LookupTarget struct {
	Table, Row, Column string
	Value              string
	Target             string
}

// DateOnly reports whether c holds a calendar date without a time: its
// values are midnight UTC, read and written as 2026-01-31.
func (c Column) DateOnly() bool { return c.Type == "datetime" && c.Behavior == "date_only" }

// Comparable reports whether a query may compare c with column o: both
// text (ids included), both numbers, both true/false or both times.
func (c Column) Comparable(o Column) bool { return c.valueKind() == o.valueKind() }

func (c Column) valueKind() string {
	switch c.Type {
	case "integer", "choice", "state", "status", TypeRowVersion, "decimal", "money":
		return "number"
	case "boolean", "datetime":
		return c.Type
	}
	return "text"
}

// Option is a value of a choice column.
type Option struct {
	Label string `json:"label"`
	Value int    `json:"value"`
}

// Depths of a privilege.
const (
	DepthUser         = "user"
	DepthBusinessUnit = "business_unit"
	DepthParentChild  = "parent_child"
	DepthOrganization = "organization"
)

// Role is a security role.
type Role struct {
	ID          string
	Name        string
	DisplayName string
	Solution    string
	Builtin     bool // exists in every environment
	FullAccess  bool // every privilege on every table (system_administrator, system_customizer)
}

// Privilege is one privilege of a role on a table.
type Privilege struct {
	Table     string
	Privilege string // create read write delete append append_to
	Depth     string
}

// User is a row of systemuser with its roles.
type User struct {
	ID       string // systemuserid
	Name     string // domainname, unique
	FullName string
	Email    string
	Disabled bool
	Roles    []string // role names, sorted
}

// Access is what a user may do: its roles' privileges, merged.
type Access struct {
	User       User
	FullAccess bool        // a role with every privilege on every table
	Privileges []Privilege // of every role, sorted by table and privilege; the widest depth of each
	// Generation is the environment's import generation as the access
	// was read: the id of the latest entry of the import history, which
	// every import, promotion, upgrade and uninstall (refused ones too)
	// adds in the transaction that changes the environment. A run time
	// that caches what is deployed reloads it when this changes, at no
	// extra query.
	Generation int64
}

// Allows reports whether the access grants privilege on table.
func (a Access) Allows(table, privilege string) bool {
	return a.Depth(table, privilege) != ""
}

// Depth is the widest depth at which the access grants privilege on table:
// DepthOrganization with full access, "" when no role grants it.
func (a Access) Depth(table, privilege string) string {
	if a.FullAccess {
		return DepthOrganization
	}
	for _, p := range a.Privileges {
		if p.Table == table && p.Privilege == privilege {
			if p.Depth == "" {
				return DepthOrganization // the language's default depth
			}
			return p.Depth
		}
	}
	return ""
}

// DepthRank orders depths from the narrowest (user, 1) to the widest
// (organization, 4); an unknown depth or "" ranks 0.
func DepthRank(depth string) int {
	switch depth {
	case DepthUser:
		return 1
	case DepthBusinessUnit:
		return 2
	case DepthParentChild:
		return 3
	case DepthOrganization:
		return 4
	}
	return 0
}

// WiderDepth is the wider of two depths ("" is narrower than any).
func WiderDepth(a, b string) string {
	if DepthRank(b) > DepthRank(a) {
		return b
	}
	return a
}

// Row is a row of a real table: values by column name.
type Row map[string]any

// How a stage visit began and ended.
const (
	VisitStart      = "start"      // entered: the instance started
	VisitNext       = "next"       // entered or left by a move forward
	VisitPrev       = "prev"       // entered or left by a move back
	VisitFinish     = "finish"     // left: the instance finished
	VisitAbandon    = "abandon"    // left: the instance was abandoned
	VisitReactivate = "reactivate" // entered: the instance was reactivated
	VisitDelete     = "delete"     // left: the instance was deleted
	// VisitUpgrade: left and entered when an upgrade removed the stage an
	// active instance was at (it goes back to a stage the flow keeps).
	VisitUpgrade = "upgrade"
)

// AdminUser is the name of the administrator every environment starts with.
const AdminUser = "admin"

// StageVisit is one stay of a process instance in a stage: who moved it
// in and when, who moved it out, when and how. LeftOn is zero while the
// stage is active.
type StageVisit struct {
	ID            int64
	InstanceID    string
	InstanceTable string
	WorkflowID    string // the flow
	StageID       string
	Stage         string // the stage's name
	EnteredOn     time.Time
	EnteredBy     string // systemuserid
	EnteredHow    string // VisitStart, VisitNext, VisitPrev, VisitReactivate, VisitUpgrade
	LeftOn        time.Time
	LeftBy        string
	LeftHow       string // VisitNext, VisitPrev, VisitFinish, VisitAbandon, VisitDelete, VisitUpgrade
}

// StageVisitFilter selects stage visits.
type StageVisitFilter struct {
	InstanceID string   // "" = all
	WorkflowID string   // "" = all
	Stages     []string // stays at these stages (names); nil = all
	Limit      int      // 0 = all
}

// Archive is an imported solution archive.
type Archive struct {
	SHA256     string // hex
	Name       string // file name, e.g. ContosoSales_1_0_0_0_managed.zip
	Managed    bool
	Data       []byte
	ImportedOn time.Time
}

// Snapshot is the model of a deployed build, for promotion and the runtime.
type Snapshot struct {
	Digest          string // build digest
	Solution        string
	Version         string
	Model           []byte // runtime/snapshot JSON
	UnmanagedSHA256 string // the build's archives, when stored
	ManagedSHA256   string
	CreatedOn       time.Time
}

// Import results.
const (
	ResultSucceeded = "succeeded"
	ResultFailed    = "failed"
	ResultRefused   = "refused" // the rules refused it; nothing was applied
)

// ImportRecord is one entry of the import history.
type ImportRecord struct {
	ID            int64
	Operation     string // deploy | promote | apply-upgrade | uninstall
	Solution      string
	Version       string
	Managed       bool
	Mode          string // upgrade | update | stage; "" for other operations
	Who           string
	StartedOn     time.Time
	Duration      time.Duration
	ArchiveSHA256 string
	BuildDigest   string
	Result        string // ResultSucceeded, ResultRefused or ResultFailed
	Message       string
}

// ImportFilter selects history entries.
type ImportFilter struct {
	ID       int64  // 0 = all; else only that entry
	Solution string // "" = all
	Limit    int    // 0 = all
}
