package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

type recordOptions struct {
	runtimeOptions
	sets      []string
	flow      string
	noFlow    bool
	ifVersion int64
}

func newRecordCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "record",
		Short: "Create, update, delete and read records of standard and custom tables",
		Long: "record works on the rows of environment E's tables (standard ones such as lead\n" +
			"and opportunity, and the project's custom tables), as the acting user (--as) may:\n" +
			"create one (its default flow starts on it, unless --flow or --no-flow says\n" +
			"otherwise), update columns, delete it (its flow instances remain), show one or\n" +
			"list a table's.",
		Args: argsUsage(cobra.NoArgs),
	}
	cmd.AddCommand(newRecordCreateCmd(g), newRecordUpdateCmd(g), newRecordDeleteCmd(g), newRecordShowCmd(g), newRecordListCmd(g))
	return cmd
}

func newRecordCreateCmd(g *globals) *cobra.Command {
	o := &recordOptions{}
	cmd := &cobra.Command{
		Use:   "create TABLE --env E --set COLUMN=VALUE ... [--flow F | --no-flow]",
		Short: "Create a record; the default flow starts on it",
		Long: "record create creates a record of TABLE in environment E. Every value is checked\n" +
			"against its column: numbers, yes/no, dates (2026-12-31), a choice's label or value,\n" +
			"the id of an existing row for a lookup (or a user's name for a lookup to users;\n" +
			"TABLE:ID for a lookup to several tables, customerid=contact:ID, which keeps the\n" +
			"table: an account and a contact may share an id, which alone names the account).\n" +
			"The default flow starts on it: the active business process flow on TABLE with the\n" +
			"lowest order that the user (--as) may start; --flow F starts F, --no-flow none.\n" +
			"When the table has flows but the user may start none of them, it says which\n" +
			"privilege their roles lack.\n\n" +
			"--output json prints {\"id\": …, \"table\": …, \"instance\": id | null, \"workflows\":\n" +
			"[{workflow, mode, state, job}]} (workflows: what the started flow's first stage ran or\n" +
			"queued, as instance next lists them; left out when none).",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runRecordCreate(g, o, args[0]) },
	}
	o.flags(cmd)
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "set `COLUMN=VALUE` (repeatable)")
	cmd.Flags().StringVar(&o.flow, "flow", "", "start this `FLOW` instead of the default one")
	cmd.Flags().BoolVar(&o.noFlow, "no-flow", false, "start no flow")
	return cmd
}

func runRecordCreate(g *globals, o *recordOptions, table string) error {
	if o.flow != "" && o.noFlow {
		return usageErr("record create: --flow and --no-flow exclude each other")
	}
	vals, err := parseSets("record create", o.sets)
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "record create")
	if err != nil {
		return err
	}
	defer done()
	c, err := s.CreateRecord(context.Background(), table, vals, engine.StartOptions{Flow: o.flow, NoFlow: o.noFlow})
	if err != nil && o.flow == "none" && errors.Is(err, engine.ErrNotFound) {
		// The Web API's BPFC-Flow: none (and the web pages' choice) is
		// the CLI's --no-flow.
		err = fmt.Errorf("%w; to start no flow, give --no-flow", err)
	}
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		out := struct {
			ID        string               `json:"id"`
			Table     string               `json:"table"`
			Instance  *string              `json:"instance"`
			Workflows []engine.WorkflowRun `json:"workflows,omitempty"`
		}{ID: c.ID, Table: c.Table}
		if c.Instance != nil {
			out.Instance, out.Workflows = &c.Instance.ID, c.Instance.Workflows
		}
		return writeJSON(g.stdout, out)
	}
	fmt.Fprintf(g.stdout, "Created %s %s\n", c.Table, c.ID)
	if c.Instance != nil {
		fmt.Fprintf(g.stdout, "Started %s: instance %s at stage %s\n", c.Instance.Flow, c.Instance.ID, c.Instance.ActiveStage)
		writeRuns(g.stdout, c.Instance.Workflows)
	} else if c.NotStarted != "" {
		fmt.Fprintf(g.stdout, "No flow started: %s.\n", c.NotStarted)
	} else {
		fmt.Fprintln(g.stdout, "No flow started.")
	}
	return nil
}

func newRecordUpdateCmd(g *globals) *cobra.Command {
	o := &recordOptions{}
	cmd := &cobra.Command{
		Use:   "update TABLE ID --env E --set COLUMN=VALUE ...",
		Short: "Update columns of a record",
		Long: "record update writes the given columns of a record, checked as record create\n" +
			"checks them; an empty VALUE empties a column. --if-version N writes only if the\n" +
			"record is still at row version N.\n\n" +
			"--output json prints the record: every column by name.",
		Args: argsUsage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := ifVersionArg(cmd, "record update", o.ifVersion); err != nil {
				return err
			}
			return runRecordUpdate(g, o, args[0], args[1])
		},
	}
	o.flags(cmd)
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "set `COLUMN=VALUE` (repeatable)")
	cmd.Flags().Int64Var(&o.ifVersion, "if-version", 0, "update only if the record is at row version `N`")
	return cmd
}

func runRecordUpdate(g *globals, o *recordOptions, table, id string) error {
	id, err := idArg("record update", "ID", id)
	if err != nil {
		return err
	}
	vals, err := parseSets("record update", o.sets)
	if err != nil {
		return err
	}
	if len(vals) == 0 {
		return usageErr("record update: give at least one --set COLUMN=VALUE")
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "record update")
	if err != nil {
		return err
	}
	defer done()
	r, err := s.UpdateRecord(context.Background(), table, id, vals, o.ifVersion)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, r.Shown())
	}
	fmt.Fprintf(g.stdout, "Updated %s %s (version %d)\n", r.Table, r.ID, r.Version)
	return nil
}

func newRecordDeleteCmd(g *globals) *cobra.Command {
	o := &recordOptions{}
	cmd := &cobra.Command{
		Use:   "delete TABLE ID --env E",
		Short: "Delete a record; its flow instances remain",
		Long: "record delete deletes a record. Its process instances remain, their lookup to\n" +
			"it dangling (as in Dataverse); lookups of other records to it are emptied.\n\n" +
			"--output json prints {\"id\": …, \"table\": …, \"deleted\": true}.",
		Args: argsUsage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error { return runRecordDelete(g, o, args[0], args[1]) },
	}
	o.flags(cmd)
	return cmd
}

func runRecordDelete(g *globals, o *recordOptions, table, id string) error {
	id, err := idArg("record delete", "ID", id)
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "record delete")
	if err != nil {
		return err
	}
	defer done()
	if err := s.DeleteRecord(context.Background(), table, id); err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"id": id, "table": table, "deleted": true})
	}
	fmt.Fprintf(g.stdout, "Deleted %s %s; its process instances remain.\n", table, id)
	return nil
}

func newRecordShowCmd(g *globals) *cobra.Command {
	o := &recordOptions{}
	cmd := &cobra.Command{
		Use:   "show TABLE ID --env E",
		Short: "Show a record: every column, lookups as ids with their rows' names",
		Long: "record show prints every column of a record (lookups as the ids of the rows\n" +
			"they point at, each with that row's name, and its table for a lookup to several\n" +
			"tables: customerid ID (contact: Ann Lee)), its row version included.\n\n" +
			"--output json prints the record: every column by name, empty ones as null,\n" +
			"lookups as ids.",
		Args: argsUsage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error { return runRecordShow(g, o, args[0], args[1]) },
	}
	o.flags(cmd)
	return cmd
}

func runRecordShow(g *globals, o *recordOptions, tableName, id string) error {
	id, err := idArg("record show", "ID", id)
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "record show")
	if err != nil {
		return err
	}
	defer done()
	r, err := s.Record(context.Background(), tableName, id)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, r.Shown())
	}
	rows := [][]string{{"COLUMN", "VALUE"}}
	shown := r.Shown()
	for _, name := range slices.Sorted(maps.Keys(shown)) {
		rows = append(rows, []string{name, shownText(r, shown, name)})
	}
	table(g.stdout, rows)
	return nil
}

// shownText is a record's value of column name as text output shows it:
// a date-only column's date (shown is r.Shown()), a choice's value with
// its label, "1 (This Quarter)", a customer lookup's id with its row's
// table and name, "ID (contact: Ann Lee)".
func shownText(r *engine.Record, shown store.Row, name string) string {
	s := formatValue(shown[name])
	l, ok := r.Labels[name]
	if tb := r.Tables[name]; tb != "" && s != "" {
		// A lookup to several tables: which one it points at.
		if ok {
			tb += ": " + l
		}
		return s + " (" + tb + ")"
	}
	if ok && s != "" {
		s += " (" + l + ")"
	}
	return s
}

func newRecordListCmd(g *globals) *cobra.Command {
	o := &recordOptions{}
	cmd := &cobra.Command{
		Use:   "list TABLE --env E",
		Short: "List the records of a table",
		Long: "record list prints the records of TABLE, oldest first: every column that has a value\n" +
			"in one of them (--output json prints every column of each).\n\n" +
			"--output json prints {\"table\": TABLE, \"records\": [{every column by name}]}.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runRecordList(g, o, args[0]) },
	}
	o.flags(cmd)
	return cmd
}

func runRecordList(g *globals, o *recordOptions, tableName string) error {
	s, done, err := openEnv(g, &o.runtimeOptions, "record list")
	if err != nil {
		return err
	}
	defer done()
	recs, err := s.Records(context.Background(), tableName)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		rows := make([]any, len(recs))
		for i, r := range recs {
			rows[i] = r.Shown()
		}
		return writeJSON(g.stdout, map[string]any{"table": tableName, "records": rows})
	}
	if len(recs) == 0 {
		fmt.Fprintf(g.stdout, "No %s records.\n", tableName)
		return nil
	}
	// Every value (cli.md: record list reads all columns): the id and the
	// name first, then the columns by name, those empty in every record
	// left out (a lead has some fifty columns).
	cols := []string{recs[0].PrimaryKey} // not always TABLEid: a phone call's is activityid
	if p := recs[0].PrimaryColumn; p != "" {
		cols = append(cols, p)
	}
	rest := map[string]bool{}
	for _, r := range recs {
		for k, v := range r.Values {
			if formatValue(v) != "" {
				rest[k] = true
			}
		}
	}
	for _, c := range cols {
		delete(rest, c)
	}
	cols = append(cols, slices.Sorted(maps.Keys(rest))...)
	rows := [][]string{cols}
	for _, r := range recs {
		row := []string{r.ID}
		shown := r.Shown()
		for _, c := range cols[1:] {
			row = append(row, shownText(r, shown, c))
		}
		rows = append(rows, row)
	}
	table(g.stdout, rows)
	return nil
}
