package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/workflow"
)

type instanceOptions struct {
	runtimeOptions
	record    string
	flow      string
	link      string
	to        string // prev --to: the earlier stage to go back to
	ifVersion int64
}

func newInstanceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Process instances: start, list, show and move them",
		Long: "instance works on the process instances of environment E (rows of each flow's\n" +
			"instance table): start a flow on a record, list and show instances, move one\n" +
			"along its active path (next, prev), end it (finish, abandon) or reopen it\n" +
			"(reactivate), run an action step of its active stage, or delete it. A move is\n" +
			"checked by the flow's rules and the acting user's roles (--as); a refusal names\n" +
			"the rule and changes nothing. bpfc record create starts the default flow itself.",
		Example: "  bpfc instance list --env dev --flow lead_to_opportunity\n" +
			"  bpfc instance start strategic_deal --env dev --record lead:3f2c5b1e-0d4a-4c1e-9b8f-2a6d7e5c4b3a\n" +
			"  bpfc instance show 9d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6 --env dev\n" +
			"  bpfc instance next 9d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6 --env dev --as alice\n" +
			"  bpfc instance finish 9d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6 --env dev",
		Args: argsUsage(cobra.NoArgs),
	}
	cmd.AddCommand(newInstanceStartCmd(g), newInstanceListCmd(g), newInstanceShowCmd(g), newInstanceDeleteCmd(g))
	for _, m := range moves {
		cmd.AddCommand(newInstanceMoveCmd(g, m))
	}
	return cmd
}

// instanceJSONHelp says what --output json prints for one instance.
const instanceJSONHelp = "--output json prints the instance: {id, flow, unique_name, table, primary_table,\n" +
	"name, state (active | finished | aborted), statecode, statuscode, active_stage,\n" +
	"traversed_path, active_path, records ({table: id}), record_names,\n" +
	"active_stage_started_on, completed_on, duration_minutes, created_on, created_by,\n" +
	"modified_on, modified_by, version, visits ([{stage, entered_on, entered_by,\n" +
	"entered_how, left_on, left_by, left_how}]), and after a change workflows\n" +
	"([{workflow, mode, state (ran | stopped | queued | skipped), job}]: what it ran or queued)}."

func newInstanceStartCmd(g *globals) *cobra.Command {
	o := &instanceOptions{}
	cmd := &cobra.Command{
		Use:   "start FLOW --env E --record TABLE:ID",
		Short: "Start another flow on a record",
		Long: "instance start starts FLOW on a record of its primary table, at its first stage.\n" +
			"A record may hold several instances (of different flows, or the same one), up to 10.\n\n" +
			instanceJSONHelp,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runInstanceStart(g, o, args[0]) },
	}
	o.flags(cmd)
	cmd.Flags().StringVar(&o.record, "record", "", "the record, as `TABLE:ID` (required)")
	return cmd
}

func runInstanceStart(g *globals, o *instanceOptions, flow string) error {
	if o.record == "" {
		return usageErr("instance start: --record TABLE:ID is required")
	}
	table, id, err := parseRecordRef("instance start", o.record)
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "instance start")
	if err != nil {
		return err
	}
	defer done()
	ctx := context.Background()
	in, err := s.Start(ctx, flow, table, id)
	if err != nil {
		return runtimeErr(err)
	}
	return printChanged(g, o, s, in, fmt.Sprintf("Started %s on %s %s: instance %s", in.Flow, table, id, in.ID))
}

func newInstanceListCmd(g *globals) *cobra.Command {
	o := &instanceOptions{}
	cmd := &cobra.Command{
		Use:   "list --env E [--record TABLE:ID] [--flow F]",
		Short: "List instances, most recently modified first",
		Long: "instance list prints the instances the user (--as) may read, most recently\n" +
			"modified first: all of them, those of one flow (--flow), or those that span one\n" +
			"record (--record TABLE:ID).\n\n" +
			"--output json prints {\"environment\": E, \"instances\": [instances as instance show\n" +
			"prints them, without active_path and visits]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runInstanceList(g, o) },
	}
	o.flags(cmd)
	cmd.Flags().StringVar(&o.record, "record", "", "only instances that span the record `TABLE:ID`")
	cmd.Flags().StringVar(&o.flow, "flow", "", "only instances of `FLOW`")
	return cmd
}

func runInstanceList(g *globals, o *instanceOptions) error {
	f := engine.InstanceFilter{Flow: o.flow}
	if o.record != "" {
		var err error
		if f.Table, f.RecordID, err = parseRecordRef("instance list", o.record); err != nil {
			return err
		}
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "instance list")
	if err != nil {
		return err
	}
	defer done()
	ins, err := s.Instances(context.Background(), f)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"environment": o.env, "instances": ins})
	}
	if len(ins) == 0 {
		fmt.Fprintln(g.stdout, "No instances.")
		return nil
	}
	rows := [][]string{{"ID", "FLOW", "STATE", "STAGE", "RECORD", "MODIFIED"}}
	for _, in := range ins {
		rows = append(rows, []string{in.ID, in.Flow, in.State, in.ActiveStage, primaryRecord(in), in.ModifiedOn.UTC().Format(time.DateTime)})
	}
	table(g.stdout, rows)
	return nil
}

// primaryRecord is TABLE:ID of the record an instance started on.
func primaryRecord(in *engine.Instance) string {
	if id, ok := in.Records[in.PrimaryTable]; ok {
		return in.PrimaryTable + ":" + id
	}
	return "-"
}

func newInstanceShowCmd(g *globals) *cobra.Command {
	o := &instanceOptions{}
	cmd := &cobra.Command{
		Use:   "show ID --env E",
		Short: "Show an instance and its active path",
		Long: "instance show prints an instance: its flow, state, active stage, the path it\n" +
			"traversed and the active path resolved on the records' current values and the\n" +
			"environment's own variable values, its records and its stage log.\n\n" +
			instanceJSONHelp,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runInstanceShow(g, o, args[0]) },
	}
	o.flags(cmd)
	return cmd
}

func runInstanceShow(g *globals, o *instanceOptions, id string) error {
	id, err := idArg("instance show", "ID", id)
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "instance show")
	if err != nil {
		return err
	}
	defer done()
	return printInstance(g, s, id)
}

func newInstanceDeleteCmd(g *globals) *cobra.Command {
	o := &instanceOptions{}
	cmd := &cobra.Command{
		Use:   "delete ID --env E",
		Short: "Delete an instance and its stage log",
		Long: "instance delete deletes a process instance (its row of the flow's instance table,\n" +
			"as the Web API's DELETE does) with its stage log: it no longer counts towards the\n" +
			"record's 10 instances, nor in reports. Its records stay. The user (--as) needs\n" +
			"read and delete on the flow. --if-version N deletes it only if it is still at row\n" +
			"version N (instance show prints it).\n\n" +
			"--output json prints {\"id\": …, \"flow\": …, \"deleted\": true}.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := ifVersionArg(cmd, "instance delete", o.ifVersion); err != nil {
				return err
			}
			return runInstanceDelete(g, o, args[0])
		},
	}
	o.flags(cmd)
	cmd.Flags().Int64Var(&o.ifVersion, "if-version", 0, "delete the instance only if it is at row version `N`")
	return cmd
}

func runInstanceDelete(g *globals, o *instanceOptions, id string) error {
	id, err := idArg("instance delete", "ID", id)
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "instance delete")
	if err != nil {
		return err
	}
	defer done()
	ctx := context.Background()
	// Read first: the message names the flow, and an id that is no
	// instance's is told apart as instance show tells it.
	in, err := s.Instance(ctx, id)
	if err != nil {
		return runtimeErr(err)
	}
	if err := s.DeleteInstance(ctx, in.ID, engine.MoveOptions{IfVersion: o.ifVersion}); err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"id": in.ID, "flow": in.Flow, "deleted": true})
	}
	fmt.Fprintf(g.stdout, "Deleted instance %s of %s with its stage log; its records remain.\n", in.ID, in.Flow)
	return nil
}

// printInstance reads an instance with its active path and prints it.
func printInstance(g *globals, s runtimeSession, id string) error {
	in, err := s.Instance(context.Background(), id)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, in)
	}
	writeInstance(g.stdout, in)
	return nil
}

// printChanged prints an instance a start or a move has just changed, read
// again for its active path and stage log. The change is made by then: a
// read that fails (a remote server stopped after answering the move) prints
// the instance as the change answered it and warns, exit 0, where an error
// would have the user retry a move that went through.
func printChanged(g *globals, o *instanceOptions, s runtimeSession, changed *engine.Instance, headline string) error {
	in, err := s.Instance(context.Background(), changed.ID)
	if err != nil {
		fmt.Fprintf(g.stderr, "bpfc: warning: the change was made (instance %s, version %d), but reading the instance back failed: %v; "+
			"bpfc%s instance show %s --env %s shows it\n", changed.ID, changed.Version, err, dirFlag(g), changed.ID, shellQuote(o.env))
		in = changed
	}
	in.Workflows = changed.Workflows
	if g.output == "json" {
		return writeJSON(g.stdout, in)
	}
	fmt.Fprintln(g.stdout, headline)
	writeRuns(g.stdout, in.Workflows)
	writeInstance(g.stdout, in)
	return nil
}

// writeRuns prints a line for each workflow a change ran or queued.
func writeRuns(w io.Writer, runs []engine.WorkflowRun) {
	for _, r := range runs {
		switch {
		case r.Job != 0:
			fmt.Fprintf(w, "  workflow %s (%s) queued as job %d\n", r.Workflow, r.Mode, r.Job)
		case r.State == workflow.Skipped:
			fmt.Fprintf(w, "  workflow %s (%s) skipped: the instance has no record of its table\n", r.Workflow, r.Mode)
		default:
			fmt.Fprintf(w, "  workflow %s (%s) %s\n", r.Workflow, r.Mode, r.State)
		}
	}
}

func writeInstance(w io.Writer, in *engine.Instance) {
	state := in.State
	if in.CompletedOn != nil {
		ended := "completed"
		switch in.State {
		case engine.StateAborted:
			ended = "ended" // Dataverse's completedon, though nothing was completed
		case engine.StateActive:
			ended = "reactivated; last ended" // completedon and duration are kept, as in Dataverse
		}
		state += fmt.Sprintf(" (%s %s", ended, in.CompletedOn.UTC().Format(time.DateTime))
		if in.DurationMinutes != nil {
			state += fmt.Sprintf(", %d min", *in.DurationMinutes)
		}
		state += ")"
	}
	rows := [][]string{
		{"Instance", fmt.Sprintf("%s (version %d)", in.ID, in.Version)},
		{"Flow", fmt.Sprintf("%s (%s)", in.Flow, in.Table)},
		{"State", state},
		{"Stage", fmt.Sprintf("%s, since %s", in.ActiveStage, in.ActiveStageStartedOn.UTC().Format(time.DateTime))},
		{"Path", pathText(in)},
		{"Records", recordList(in)},
	}
	tw := make([][]string, len(rows))
	for i, r := range rows {
		tw[i] = []string{r[0] + ":", r[1]}
	}
	table(w, tw)
	if len(in.Visits) > 0 {
		fmt.Fprintln(w)
		vrows := [][]string{{"STAGE", "ENTERED", "BY", "HOW", "LEFT", "BY", "HOW"}}
		for _, v := range in.Visits {
			left, by, how := "-", "", ""
			if v.LeftOn != nil {
				left, by, how = v.LeftOn.UTC().Format(time.DateTime), v.LeftBy, v.LeftHow
			}
			vrows = append(vrows, []string{v.Stage, v.EnteredOn.UTC().Format(time.DateTime), v.EnteredBy, v.EnteredHow, left, by, how})
		}
		table(w, vrows)
	}
}

// pathText shows the traversed stages, the active one in brackets, then the
// rest of the active path.
func pathText(in *engine.Instance) string {
	path := in.ActivePath
	if len(path) == 0 {
		path = in.TraversedPath
	}
	parts := make([]string, len(path))
	for i, s := range path {
		parts[i] = s
		if i == len(in.TraversedPath)-1 {
			parts[i] = "[" + s + "]"
		}
	}
	return strings.Join(parts, " > ")
}

func recordList(in *engine.Instance) string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(in.Records)) {
		p := t + ":" + in.Records[t]
		if name, ok := in.RecordNames[t]; ok {
			if name != "" {
				p += " (" + name + ")"
			}
		} else if slices.Contains(in.Unreadable, t) {
			p += " (not readable by you)"
		} else if in.RecordNames != nil {
			p += " (deleted)"
		}
		parts = append(parts, p)
	}
	return orElse(strings.Join(parts, ", "), "-")
}

// move is one of the instance commands that change an instance.
type move struct {
	name, short, long string
	past              string // for the headline: "Moved", "Finished", ...
	link              bool
	to                bool // takes --to STAGE (prev)
	do                func(runtimeSession, context.Context, string, engine.MoveOptions) (*engine.Instance, error)
}

var moves = []move{
	{name: "next", short: "Move an instance to the next stage of its active path", past: "Moved", link: true,
		long: "instance next moves an instance forward to the next stage of its active path: every\n" +
			"required step of the active stage must be filled (a yes/no step must be yes), and\n" +
			"branches are evaluated on the current values and the environment's variables. A\n" +
			"move to a stage on another table links that table's record (--link ID) or creates\n" +
			"one whose relationship lookup points back at the current record and whose\n" +
			"primary column (its name) takes the current record's name.",
		do: runtimeSession.Next},
	{name: "prev", short: "Move an instance back one stage on its traversed path, or --to an earlier one", past: "Moved", to: true,
		long: "instance prev moves an instance back one stage on the path it traversed; moving\n" +
			"back to a stage on another table clears the instance's lookup to the table it leaves.\n" +
			"--to STAGE goes back to any earlier stage of that path in one move, as Dataverse's\n" +
			"Set Active of a completed stage: the path is cut back there, the lookups of the\n" +
			"tables only the stages left were on are cleared, the stage log has one exit and one\n" +
			"entry, and the stage's on_enter workflows run as for one stage back.",
		do: runtimeSession.Prev},
	{name: "finish", short: "Finish an instance on the last stage of its active path", past: "Finished",
		long: "instance finish ends an instance that is on the last stage of its active path (its\n" +
			"required steps filled): state finished (statecode 1, statuscode 2), completedon\n" +
			"and the duration in minutes since it was created.",
		do: runtimeSession.Finish},
	{name: "abandon", short: "Abandon an instance", past: "Abandoned",
		long: "instance abandon ends an active instance: state aborted (statecode 1, statuscode 3),\n" +
			"completedon and the duration in minutes since it was created.",
		do: runtimeSession.Abandon},
	{name: "reactivate", short: "Reopen a finished or abandoned instance", past: "Reactivated",
		long: "instance reactivate makes a finished or aborted instance active again at the stage\n" +
			"it ended on (statecode 0, statuscode 1); completedon and the duration are kept.",
		do: runtimeSession.Reactivate},
}

func newInstanceMoveCmd(g *globals, m move) *cobra.Command {
	o := &instanceOptions{}
	use := m.name + " ID --env E"
	if m.link {
		use += " [--link ID]"
	}
	if m.to {
		use += " [--to STAGE]"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: m.short,
		Long: m.long + "\n\nA refusal names the rule (and the step) and changes nothing. --if-version N\n" +
			"changes the instance only if it is still at row version N (instance show prints it);\n" +
			"a concurrent change is a conflict either way, never silently overwritten.\n\n" +
			instanceJSONHelp,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := ifVersionArg(cmd, "instance "+m.name, o.ifVersion); err != nil {
				return err
			}
			return runInstanceMove(g, o, m, args[0])
		},
	}
	o.flags(cmd)
	if m.link {
		cmd.Flags().StringVar(&o.link, "link", "", "for a stage on another table, link that table's record `ID`")
	}
	if m.to {
		cmd.Flags().StringVar(&o.to, "to", "", "go back to this earlier `STAGE` of the traversed path (default: the previous one)")
	}
	cmd.Flags().Int64Var(&o.ifVersion, "if-version", 0, "change the instance only if it is at row version `N`")
	return cmd
}

func runInstanceMove(g *globals, o *instanceOptions, m move, id string) error {
	id, err := idArg("instance "+m.name, "ID", id)
	if err != nil {
		return err
	}
	if o.link != "" {
		if o.link, err = idArg("instance "+m.name, "--link", o.link); err != nil {
			return err
		}
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "instance "+m.name)
	if err != nil {
		return err
	}
	defer done()
	mo := engine.MoveOptions{IfVersion: o.ifVersion, Link: o.link}
	var in *engine.Instance
	if o.to != "" {
		in, err = s.PrevTo(context.Background(), id, o.to, mo)
	} else {
		in, err = m.do(s, context.Background(), id, mo)
	}
	if err != nil {
		return finishHint(g, o, id, fillHint(g, o, runtimeErr(err)))
	}
	headline := fmt.Sprintf("%s instance %s: %s", m.past, in.ID, in.State)
	if m.name == "next" || m.name == "prev" {
		headline = fmt.Sprintf("%s instance %s to stage %s", m.past, in.ID, in.ActiveStage)
	}
	return printChanged(g, o, s, in, headline)
}

// finishHint adds to the refusal of a next from the last stage of the
// active path the command that ends the instance there: Dataverse's
// process bar shows Finish on that stage, the CLI has no button to show.
func finishHint(g *globals, o *instanceOptions, id string, err error) error {
	var ee *exitError
	if !errors.As(err, &ee) || ee.detail == nil || ee.detail.Rule != engine.RuleLastStage {
		return err
	}
	ee.msg += fmt.Sprintf("\n  finish it with: bpfc%s instance finish %s --env %s%s", dirFlag(g), id, shellQuote(o.env), asFlag(o))
	return ee
}

// dirFlag is the -C of a suggested command, quoted for a shell ("" for
// the current directory).
func dirFlag(g *globals) string {
	if g.dir != "." && g.dir != "" {
		return " -C " + shellQuote(g.dir)
	}
	return ""
}

// asFlag is the --as of a suggested command, when one was given.
func asFlag(o *instanceOptions) string {
	if o.asFlag != nil && o.asFlag.Changed {
		return " --as " + shellQuote(o.as)
	}
	return ""
}

// fillHint adds to a required-step refusal the command that fills the
// steps on the stage's record, which the refusal names.
func fillHint(g *globals, o *instanceOptions, err error) error {
	var ee *exitError
	if !errors.As(err, &ee) || ee.detail == nil || ee.detail.Rule != engine.RuleRequiredStep ||
		ee.detail.Table == "" || ee.detail.Record == "" || len(ee.detail.Missing) == 0 {
		return err
	}
	sets, notes := "", ""
	for _, m := range ee.detail.Missing {
		value, note := fillValue(o.project, ee.detail.Table, m)
		sets += " --set " + m.Column + "=" + value
		notes += note
	}
	// Quoted for a shell, as init's next step is: a -C of a path with a
	// space must paste as one argument.
	dir, as := dirFlag(g), asFlag(o)
	them := "them"
	if len(ee.detail.Missing) == 1 {
		them = "it"
	}
	ee.msg += fmt.Sprintf("\n  fill %s, then try again: bpfc%s record update %s %s --env %s%s%s", them, dir, ee.detail.Table, ee.detail.Record, shellQuote(o.env), as, sets) + notes
	return ee
}

// fillValue is what the fill hint sets missing step m's column to: true
// for a yes/no step, ID for a lookup, TABLE:ID for a lookup to several
// tables (its first table, and a note that names the others), else VALUE.
// The project's table says which the column is; a column it does not know
// (the environment was deployed from other files) is given VALUE.
func fillValue(p *compiler.Project, table string, m engine.Missing) (value, note string) {
	if m.YesNo {
		return "true", ""
	}
	var c *compiler.Column
	if p != nil {
		if t := p.Table(table); t != nil {
			c = t.Column(m.Column)
		}
	}
	switch {
	case c == nil || (c.Type != compiler.TypeLookup && c.Type != compiler.TypeCustomer):
		return "VALUE", ""
	case len(c.Targets) > 1:
		ts := make([]string, len(c.Targets))
		for i, t := range c.Targets {
			ts[i] = t + ":ID"
		}
		return c.Targets[0] + ":ID", fmt.Sprintf("\n  %s is a lookup to %s: give it %s", m.Column, strings.Join(c.Targets, " or "), strings.Join(ts, " or "))
	}
	return "ID", ""
}
