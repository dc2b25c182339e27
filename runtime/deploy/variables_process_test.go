package deploy

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestProcessValueBySchemaName: one process deploying two solutions that
// each declare var.threshold gives each its own value by schema name
// (BPFC_VAR_CTS_THRESHOLD, BPFC_VAR_FAB_THRESHOLD; both got
// BPFC_VAR_THRESHOLD's); the short name still gives one, after the schema
// name's, and two different values are a note naming both variables.
func TestProcessValueBySchemaName(t *testing.T) {
	env := map[string]string{"BPFC_VAR_CTS_THRESHOLD": "1000", "BPFC_VAR_FAB_THRESHOLD": "3000", "BPFC_VAR_THRESHOLD": "7"}
	getenv := func(k string) string { return env[k] }
	cts := newProject(t)
	fab := newProject(t)
	for name, src := range fab.srcs { // another publisher's solution
		fab.srcs[name] = strings.ReplaceAll(src, "cts", "fab")
	}
	for _, c := range []struct {
		pr     *project
		schema string
		want   string
	}{{cts, "cts_threshold", "1000"}, {fab, "fab_threshold", "3000"}} {
		o := quiet()
		o.Getenv = getenv
		res := c.pr.deploy("dev", o)
		c.pr.read("dev", func(tx store.Tx) {
			if v, err := tx.VariableValue(c.schema); err != nil || v.Value != c.want || v.Source != SourceProcess {
				t.Errorf("%s = %+v %v, want %s from the process", c.schema, v, err, c.want)
			}
		})
		note := "BPFC_VAR_" + strings.ToUpper(c.schema) + " and BPFC_VAR_THRESHOLD give threshold different values: BPFC_VAR_" + strings.ToUpper(c.schema) + "'s is taken"
		if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.HasPrefix(n, note) }) {
			t.Errorf("notes = %q, want one starting %q", res.Notes, note)
		}
	}

	// The short name alone, as existing pipelines set it.
	delete(env, "BPFC_VAR_CTS_THRESHOLD")
	b := cts.build()
	s := cts.open("dev", 0)
	pl, err := PlanImport(context.Background(), Target{Env: b.Project.Environment("dev"), Store: s}, b, Options{Getenv: getenv})
	must(t, err)
	must(t, s.Close())
	if !hasChange(pl.Changes, "change", "value", "threshold") || len(pl.Notes) != 0 {
		t.Errorf("plan with BPFC_VAR_THRESHOLD alone: %+v notes %q", pl.Changes, pl.Notes)
	}
	// The same value twice is no note.
	env["BPFC_VAR_CTS_THRESHOLD"] = "7"
	o := quiet()
	o.Getenv = getenv
	if res := cts.deploy("dev", o); len(res.Notes) != 0 {
		t.Errorf("notes with one value twice: %q", res.Notes)
	}
}

// TestRemoteValuesBySchemaName: a remote deploy sends what a local one
// would take (the schema name's before the short name's), and a server's
// own BPFC_VAR_<SCHEMANAME> does not come before a secret the deploy sent.
func TestRemoteValuesBySchemaName(t *testing.T) {
	pr := newProject(t)
	pr.set("key.hcl", "variable \"api_key\" {\n  type = \"secret\"\n}\n")
	p := pr.load()
	env := map[string]string{"BPFC_VAR_CTS_THRESHOLD": "1000", "BPFC_VAR_THRESHOLD": "7", "BPFC_VAR_CTS_API_KEY": "k-schema", "BPFC_VAR_API_KEY": "k-short"}
	sent, err := RemoteValues(p, p.Environment("dev"), nil, nil, func(k string) string { return env[k] })
	must(t, err)
	if sent.Settings["cts_threshold"] != "1000" || sent.Secrets["cts_api_key"] != "k-schema" {
		t.Errorf("sent = %+v", sent)
	}
	server := map[string]string{"BPFC_VAR_CTS_API_KEY": "the server's"}
	get, err := SecretsGetenv(p, map[string]string{"cts_api_key": "sent"}, func(k string) string { return server[k] })
	must(t, err)
	if v := get("BPFC_VAR_CTS_API_KEY"); v != "sent" {
		t.Errorf("the server reads %q from BPFC_VAR_CTS_API_KEY, want the value sent", v)
	}
}
