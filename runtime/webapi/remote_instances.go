package webapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/report"
	"github.com/bpfc/bpfc/runtime/store"
)

// The instance, report, job and email operations of the Client, over
// bpfc's functions and actions (bpfc.go).

// Start starts a flow on a record; the instance is read in full.
func (c *Client) Start(ctx context.Context, flow, table, recordID string) (*engine.Instance, error) {
	return c.instanceAction(ctx, "bpfc_StartInstance", ActionRequest{FlowName: flow, EntityLogicalName: table, EntityId: recordID}, 0)
}

// Next moves an instance to the next stage of its active path.
func (c *Client) Next(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error) {
	return c.instanceAction(ctx, "bpfc_NextStage", ActionRequest{ProcessInstanceId: id, LinkId: mo.Link}, mo.IfVersion)
}

// Prev moves an instance back one stage.
func (c *Client) Prev(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error) {
	return c.move(ctx, "bpfc_PreviousStage", id, mo)
}

// PrevTo moves an instance back to an earlier stage of its traversed path
// ("" = the previous one), in one move.
func (c *Client) PrevTo(ctx context.Context, id, stage string, mo engine.MoveOptions) (*engine.Instance, error) {
	if mo.Link != "" {
		return nil, &APIError{Status: http.StatusBadRequest, Code: "BadRequest", Message: "only a move to the next stage links a record"}
	}
	return c.instanceAction(ctx, "bpfc_PreviousStage", ActionRequest{ProcessInstanceId: id, StageName: stage}, mo.IfVersion)
}

// Finish finishes an instance on the last stage of its active path.
func (c *Client) Finish(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error) {
	return c.move(ctx, "bpfc_FinishInstance", id, mo)
}

// Abandon abandons an instance.
func (c *Client) Abandon(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error) {
	return c.move(ctx, "bpfc_AbandonInstance", id, mo)
}

// Reactivate reopens a finished or abandoned instance.
func (c *Client) Reactivate(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error) {
	return c.move(ctx, "bpfc_ReactivateInstance", id, mo)
}

// DeleteInstance deletes an instance with its stage log: a DELETE of its
// row in its flow's instance table.
func (c *Client) DeleteInstance(ctx context.Context, id string, mo engine.MoveOptions) error {
	in, err := c.Instance(ctx, id)
	if err != nil {
		return err
	}
	defs, err := c.Definitions(ctx)
	if err != nil {
		return err
	}
	d, ok := defs[in.Table]
	if !ok || !d.IsBPFEntity {
		return fmt.Errorf("%s%s has no instance table %q for instance %s; check that the environment's url names a bpfc serve", c.URL, c.envText(), in.Table, id)
	}
	_, err = c.do(ctx, http.MethodDelete, d.EntitySetName+key(in.ID), []string{"If-Match", ifMatchHeader(mo.IfVersion)}, nil, nil, nil)
	return err
}

// move is a change of an instance that links no record.
func (c *Client) move(ctx context.Context, action, id string, mo engine.MoveOptions) (*engine.Instance, error) {
	if mo.Link != "" {
		return nil, &APIError{Status: http.StatusBadRequest, Code: "BadRequest", Message: "only a move to the next stage links a record"}
	}
	return c.instanceAction(ctx, action, ActionRequest{ProcessInstanceId: id}, mo.IfVersion)
}

func (c *Client) instanceAction(ctx context.Context, action string, req ActionRequest, ifVersion int64) (*engine.Instance, error) {
	var in engine.Instance
	if _, err := c.do(ctx, http.MethodPost, action, []string{"If-Match", ifMatchHeader(ifVersion)}, req, &in, nil); err != nil {
		return nil, err
	}
	return resolved(&in), nil
}

// resolved marks an instance read in full (with its active path) as the
// engine does: its record names are a map, empty when none of its records
// has a name left (JSON leaves an empty one out).
func resolved(in *engine.Instance) *engine.Instance {
	if in.RecordNames == nil {
		in.RecordNames = map[string]string{}
	}
	return in
}

// Instance reads an instance with its active path and stage log.
func (c *Client) Instance(ctx context.Context, id string) (*engine.Instance, error) {
	var in engine.Instance
	if _, err := c.Do(ctx, http.MethodGet, "bpfc_RetrieveInstance"+call("ProcessInstanceId", id), nil, &in, nil); err != nil {
		return nil, err
	}
	return resolved(&in), nil
}

// Instances lists the instances the token's user may read, most recently
// modified first.
func (c *Client) Instances(ctx context.Context, f engine.InstanceFilter) ([]*engine.Instance, error) {
	var body struct {
		Value *[]*engine.Instance `json:"value"`
	}
	path := "bpfc_RetrieveInstances" + call("FlowName", f.Flow, "EntityLogicalName", f.Table, "EntityId", f.RecordID)
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &body, nil); err != nil {
		return nil, err
	}
	// An answer that is no list of instances (another service at the url)
	// is an error, not rows of zero values.
	if body.Value == nil {
		return nil, fmt.Errorf("%s%s answered bpfc_RetrieveInstances without a list of instances; check that the environment's url names a bpfc serve", c.URL, c.envText())
	}
	for _, in := range *body.Value {
		if in == nil || in.ID == "" {
			return nil, fmt.Errorf("%s%s answered bpfc_RetrieveInstances with an instance without an id; check that the environment's url names a bpfc serve", c.URL, c.envText())
		}
	}
	return *body.Value, nil
}

// RunAction runs an action step of an instance's active stage.
func (c *Client) RunAction(ctx context.Context, id, name string) (*ActionRun, error) {
	var out ActionRun
	if _, err := c.Do(ctx, http.MethodPost, "bpfc_RunAction", ActionRequest{ProcessInstanceId: id, ActionName: name}, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// Report reads the report of the flows the token's user may read.
func (c *Client) Report(ctx context.Context, flow string, since time.Time) (*report.Report, error) {
	sinceText := ""
	if !since.IsZero() {
		sinceText = since.UTC().Format(time.RFC3339)
	}
	var raw json.RawMessage
	if _, err := c.Do(ctx, http.MethodGet, "bpfc_Report"+call("FlowName", flow, "Since", sinceText), nil, &raw, nil); err != nil {
		return nil, err
	}
	r, err := decodeReport(raw)
	if err == nil && c.Env != "" {
		r.Environment = c.Env // as the project names it, not the server
	}
	return r, err
}

// decodeReport reads a report's JSON back, durations (in seconds) included.
func decodeReport(raw []byte) (*report.Report, error) {
	var r report.Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("the report is not the report's JSON: %w", err)
	}
	type seconds struct {
		Mean   float64 `json:"mean_seconds"`
		Median float64 `json:"median_seconds"`
		P90    float64 `json:"p90_seconds"`
	}
	var durs struct {
		Flows []struct {
			CycleTime seconds `json:"cycle_time"`
			Stages    []struct {
				Time seconds `json:"time"`
			} `json:"stages"`
		} `json:"flows"`
	}
	if err := json.Unmarshal(raw, &durs); err != nil || len(durs.Flows) != len(r.Flows) {
		return nil, fmt.Errorf("the report's durations do not read back: %v", err)
	}
	set := func(d *report.Durations, s seconds) {
		d.Mean, d.Median, d.P90 = fromSeconds(s.Mean), fromSeconds(s.Median), fromSeconds(s.P90)
	}
	for i, f := range r.Flows {
		set(&f.CycleTime, durs.Flows[i].CycleTime)
		if len(durs.Flows[i].Stages) != len(f.Stages) {
			return nil, fmt.Errorf("the report's stage durations do not read back")
		}
		for j, st := range f.Stages {
			set(&st.Time, durs.Flows[i].Stages[j].Time)
		}
	}
	return &r, nil
}

func fromSeconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// Jobs lists background workflow runs, newest first (administrators).
func (c *Client) Jobs(ctx context.Context, f store.JobFilter) ([]store.Job, error) {
	var body struct {
		Value []store.Job `json:"value"`
	}
	path := "bpfc_RetrieveJobs" + call("State", f.State, "Limit", limitText(f.Limit))
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &body, nil); err != nil {
		return nil, err
	}
	return body.Value, nil
}

// UserInfo is a user as bpfc_RetrieveUsers gives it: systemuser's columns
// and the names of the user's roles.
type UserInfo struct {
	ID       string   `json:"systemuserid"`
	Name     string   `json:"domainname"`
	FullName string   `json:"fullname"`
	Email    string   `json:"internalemailaddress"`
	Disabled bool     `json:"isdisabled"`
	Roles    []string `json:"roles"`
}

// Users lists the environment's users with their roles.
func (c *Client) Users(ctx context.Context) ([]store.User, error) {
	var body struct {
		Value []UserInfo `json:"value"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "bpfc_RetrieveUsers", nil, &body, nil); err != nil {
		return nil, err
	}
	out := make([]store.User, len(body.Value))
	for i, u := range body.Value {
		out[i] = store.User{ID: u.ID, Name: u.Name, FullName: u.FullName, Email: u.Email, Disabled: u.Disabled, Roles: u.Roles}
	}
	return out, nil
}

// Emails lists the outbox, newest first (administrators).
func (c *Client) Emails(ctx context.Context, f store.EmailFilter) ([]store.Email, error) {
	var body struct {
		Value []store.Email `json:"value"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "bpfc_RetrieveEmails"+call("Limit", limitText(f.Limit)), nil, &body, nil); err != nil {
		return nil, err
	}
	return body.Value, nil
}

func limitText(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// call writes a function's parameters, "(A='x',B='y')", leaving out empty
// ones: text in quotes (a quote doubled), escaped for a path.
func call(pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		parts = append(parts, pairs[i]+"="+url.PathEscape("'"+strings.ReplaceAll(pairs[i+1], "'", "''")+"'"))
	}
	return "(" + strings.Join(parts, ",") + ")"
}
