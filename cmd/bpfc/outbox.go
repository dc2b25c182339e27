package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/runtime/store"
)

type outboxOptions struct {
	runtimeOptions
	limit int
}

func newOutboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "The emails workflows sent",
		Long: "outbox shows the emails that the send_email steps of environment E's workflows\n" +
			"wrote: bpfc sends no mail, it keeps each one in the environment's outbox.",
		Args: argsUsage(cobra.NoArgs),
	}
	o := &outboxOptions{}
	list := &cobra.Command{
		Use:   "list --env E",
		Short: "List the emails in the outbox",
		Long: "outbox list prints the emails that send_email steps of workflows wrote to the\n" +
			"outbox of environment E, newest first.\n\n" +
			"--output json prints {\"environment\": E, \"emails\": [{id, job (0 for a realtime\n" +
			"workflow), workflow, step, table, record, instance, to, cc, subject, body,\n" +
			"created_on}]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runOutboxList(g, o) },
	}
	o.flags(list)
	list.Flags().IntVar(&o.limit, "limit", 0, "at most `N` emails (0: all)")
	cmd.AddCommand(list)
	return cmd
}

type emailJSON struct {
	ID        int64     `json:"id"`
	Job       int64     `json:"job"`
	Workflow  string    `json:"workflow"`
	Step      string    `json:"step"`
	Table     string    `json:"table"`
	Record    string    `json:"record"`
	Instance  string    `json:"instance"`
	To        string    `json:"to"`
	Cc        string    `json:"cc"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	CreatedOn time.Time `json:"created_on"`
}

func runOutboxList(g *globals, o *outboxOptions) error {
	if err := limitArg("outbox list", o.limit); err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "outbox list")
	if err != nil {
		return err
	}
	defer done()
	es, err := s.Emails(context.Background(), store.EmailFilter{Limit: o.limit})
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		out := make([]emailJSON, 0, len(es))
		for _, e := range es {
			out = append(out, emailJSON{ID: e.ID, Job: e.JobID, Workflow: e.Workflow, Step: e.Step, Table: e.Table, Record: e.RecordID,
				Instance: e.InstanceID, To: e.To, Cc: e.Cc, Subject: e.Subject, Body: e.Body, CreatedOn: e.CreatedOn})
		}
		return writeJSON(g.stdout, map[string]any{"environment": o.env, "emails": out})
	}
	if len(es) == 0 {
		fmt.Fprintln(g.stdout, "The outbox is empty.")
		return nil
	}
	rows := [][]string{{"ID", "SENT", "TO", "SUBJECT", "WORKFLOW", "RECORD"}}
	for _, e := range es {
		to := e.To
		if e.Cc != "" {
			to += " (cc " + e.Cc + ")"
		}
		rows = append(rows, []string{strconv.FormatInt(e.ID, 10), e.CreatedOn.UTC().Format(time.DateTime), to, e.Subject,
			e.Workflow + "." + e.Step, e.Table + ":" + e.RecordID})
	}
	table(g.stdout, rows)
	return nil
}
