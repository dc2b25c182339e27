package deploy

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// Mode is how an import treats what the new version no longer has.
type Mode string

// Import modes.
const (
	// Upgrade (the default) removes the components the new version dropped,
	// with their instance tables.
	Upgrade Mode = "upgrade"
	// Update keeps them.
	Update Mode = "update"
	// Stage installs the new version as a holding solution beside the old
	// one (keeping everything) until ApplyUpgrade.
	Stage Mode = "stage"
)

// ParseMode checks a mode name; "" is Upgrade.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", Upgrade:
		return Upgrade, nil
	case Update, Stage:
		return Mode(s), nil
	}
	return "", fmt.Errorf("unknown mode %q: use upgrade, update or stage", s)
}

// Target is an environment to import into: its definition in the project
// (managed, values, limits) and its store.
type Target struct {
	Env   *compiler.Environment
	Store store.Store
}

func (t Target) maxActive() int {
	if t.Env.MaxActiveFlowsPerTable > 0 {
		return t.Env.MaxActiveFlowsPerTable
	}
	return 10
}

// Options configure an import.
type Options struct {
	Mode Mode
	// Settings are variable values by schema name from a deployment
	// settings file (ReadSettingsFile).
	Settings map[string]string
	// SettingsAt is where the settings file gives each of Settings
	// (SettingsFile.At): a refusal of a value names its place.
	SettingsAt map[string]string
	// EnvironmentValues, when not nil, stand for the environment block's
	// values, by schema name: what a remote deploy's block gives (its
	// values follow the deploying project, not the serving one's block).
	EnvironmentValues map[string]string
	// Getenv reads BPFC_VAR_<SCHEMANAME> and BPFC_VAR_<NAME> (os.Getenv when nil).
	Getenv func(string) string
	// Keyring seals secret values (runtime/secret); required only when the
	// build has secret variables.
	Keyring *secret.Keyring
	// Who is recorded in the history (the operating system user by default).
	Who string
	// Operation is recorded in the history: "deploy" (default) or "promote".
	Operation string
	// Progress receives a short line per phase of a long import.
	Progress func(string)
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Mode == "" {
		o.Mode = Upgrade
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Who == "" {
		o.Who = currentUser()
	}
	if o.Operation == "" {
		o.Operation = "deploy"
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Refusal is an import the rules refused; Causes says every reason.
type Refusal struct {
	Env      string
	Solution string
	Version  string
	Causes   []string
	// Operation is what was refused when it is not an import
	// ("apply-upgrade", "uninstall").
	Operation string
}

func (r *Refusal) Error() string {
	head := fmt.Sprintf("import of %s %s into %s refused", r.Solution, r.Version, r.Env)
	if r.Operation != "" {
		head = fmt.Sprintf("%s of %s %s in %s refused", r.Operation, r.Solution, r.Version, r.Env)
	}
	if len(r.Causes) == 1 {
		return head + ": " + r.Causes[0]
	}
	return head + ":\n  - " + strings.Join(r.Causes, "\n  - ")
}

// Results of an operation, as Result.Result says them.
const (
	Applied = "applied"
	Refused = "refused"
	Failed  = "failed"
	Skipped = "skipped"
	// Busy: the import gave up waiting for the environment (store.ErrBusy,
	// another import or a long transaction held it), or a server could not
	// reach its store to start it (webapi's client). Nothing changed and
	// no history row was written: unlike a refusal or a failure, running
	// it again may succeed, which CI tells apart by this value.
	Busy = "busy"
)

// Result is what an import did. JSON shape (bpfc deploy/promote --output json):
//
//	environment     the environment's name
//	solution        the solution's unique name (a holding solution: <name>_Upgrade)
//	version         the version imported
//	managed         whether it was imported managed
//	mode            upgrade | update | stage
//	digest          the build digest
//	archive         the archive's file name; archive_sha256 its SHA-256
//	result          applied | refused | failed | busy (gave up waiting for the environment, or
//	                its server could not reach its store: nothing changed, retry)
//	message         why, when not applied
//	duration_ms     how long the import took
//	import_id       its entry in the environment's history (0 if none)
//	changes         what it added, changed and removed (see Change)
//	notes           what an applied import should tell (omitted when nothing), e.g. that
//	                another build was installed at the same version
type Result struct {
	Environment   string   `json:"environment"`
	Solution      string   `json:"solution"`
	Version       string   `json:"version"`
	Managed       bool     `json:"managed"`
	Mode          string   `json:"mode"`
	Digest        string   `json:"digest"`
	Archive       string   `json:"archive"`
	ArchiveSHA256 string   `json:"archive_sha256"`
	Result        string   `json:"result"`
	Message       string   `json:"message"`
	DurationMS    int64    `json:"duration_ms"`
	ImportID      int64    `json:"import_id"`
	Changes       []Change `json:"changes"`
	Notes         []string `json:"notes,omitempty"`
}

// Change is one line of a plan or of what an import did.
//
//	action  add | change | remove | keep (dropped by the new version, kept by update or stage mode)
//	kind    flow | stage | step | table | column | variable | value (a variable's value in the environment) | role | workflow
//	name    flow, "flow.stage", "flow.stage.step", table, "table.column", ...
//	data    what a removal does to the environment's rows, when it touches any
//	        ("deletes 3 instances and their stage history"); omitted otherwise
//	note    what else the line needs said: an addition of what the environment
//	        has ("already in the environment: …"), a column another solution
//	        ships too ("kept: solution B ships it too"); omitted otherwise
//	fields  for a change, each property that differs: {field, old, new}, the
//	        values as text (strings quoted, lists in brackets, none); omitted otherwise
type Change struct {
	Action string        `json:"action"`
	Kind   string        `json:"kind"`
	Name   string        `json:"name"`
	Data   string        `json:"data,omitempty"`
	Note   string        `json:"note,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`
	// Users are the users a removed role is taken from (their names).
	Users []string `json:"users,omitempty"`
}

// FieldChange is one property of a changed component: its name (the
// language's attribute where it has one) and its values before and after,
// as text (strings quoted, lists in brackets, an absent value as none).
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

func currentUser() string {
	for _, k := range []string{"BPFC_USER", "USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}
