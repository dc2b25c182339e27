package webapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/report"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/workflow"
)

// bpfc's own functions and actions: what the run-time commands (bpfc
// instance, report, job list, outbox list) need and Dataverse has no
// equivalent for. They are unbound, named with the bpfc_ prefix as a
// publisher names its custom actions, and answer with the JSON the local
// command prints with --output json:
//
//	GET  bpfc_RetrieveInstance(ProcessInstanceId=ID)            an instance (engine.Instance), active path and stage log included
//	GET  bpfc_RetrieveInstances(FlowName='f',EntityLogicalName='lead',EntityId=ID)
//	                                                            {"value": [instances]}, most recently modified first; every parameter optional
//	POST bpfc_StartInstance     {"FlowName", "EntityLogicalName", "EntityId"}       the started instance
//	POST bpfc_NextStage         {"ProcessInstanceId", "LinkId"}                     the instance after the move
//	POST bpfc_PreviousStage     {"ProcessInstanceId", "StageName"}                  (If-Match: W/"<version>" moves only
//	POST bpfc_FinishInstance    {"ProcessInstanceId"}                                that version: 412 when stale;
//	                                                                                 StageName: an earlier stage to go
//	                                                                                 back to, the previous one without it)
//	POST bpfc_AbandonInstance   {"ProcessInstanceId"}
//	POST bpfc_ReactivateInstance {"ProcessInstanceId"}
//	POST bpfc_RunAction         {"ProcessInstanceId", "ActionName"}                 {"instance", "stage", "action", "run"}
//	GET  bpfc_Report(FlowName='f',Since='2026-05-01T00:00:00Z')  the report (runtime/report's JSON)
//	GET  bpfc_RetrieveJobs(State='failed',Limit=10)             {"value": [store.Job]}; administrators
//	GET  bpfc_RetrieveEmails(Limit=10)                           {"value": [store.Email]}; administrators
//	GET  bpfc_RetrieveUsers                                      {"value": [UserInfo]}: the environment's users and their roles
//
// A refused move is 400 with code Refused and the rule, as a PATCH of
// activestageid is. Their parameters and types are their entries in
// operations (operations.go), which $metadata declares.

// moveActions are the actions that change an instance, by name.
var moveActions = map[string]func(*engine.Session, context.Context, string, engine.MoveOptions) (*engine.Instance, error){
	"bpfc_NextStage":          (*engine.Session).Next,
	"bpfc_PreviousStage":      (*engine.Session).Prev,
	"bpfc_FinishInstance":     (*engine.Session).Finish,
	"bpfc_AbandonInstance":    (*engine.Session).Abandon,
	"bpfc_ReactivateInstance": (*engine.Session).Reactivate,
}

// ActionRequest is the body of bpfc's instance actions; each takes the
// members its entry in operations names and refuses others.
type ActionRequest struct {
	ProcessInstanceId string `json:"ProcessInstanceId,omitempty"`
	LinkId            string `json:"LinkId,omitempty"`     // bpfc_NextStage: the record to link on a cross-table move
	StageName         string `json:"StageName,omitempty"`  // bpfc_PreviousStage: the earlier stage to go back to ("" = the previous one)
	ActionName        string `json:"ActionName,omitempty"` // bpfc_RunAction
	FlowName          string `json:"FlowName,omitempty"`   // bpfc_StartInstance
	EntityLogicalName string `json:"EntityLogicalName,omitempty"`
	EntityId          string `json:"EntityId,omitempty"`
}

// ActionRun is the answer of bpfc_RunAction, the JSON bpfc instance action
// prints.
type ActionRun struct {
	Instance string            `json:"instance"`
	Stage    string            `json:"stage"`
	Action   string            `json:"action"`
	Run      *workflow.Outcome `json:"run"`
}

// bpfcAction serves POST bpfc_<action>.
func (s *Server) bpfcAction(w http.ResponseWriter, r *http.Request, op *operation, _ string) {
	name := op.Name
	var req ActionRequest
	if err := decodeBody(r, &req, name); err != nil {
		s.fail(w, r, err)
		return
	}
	req.ProcessInstanceId, req.LinkId, req.EntityId = engine.CanonicalID(req.ProcessInstanceId), engine.CanonicalID(req.LinkId), engine.CanonicalID(req.EntityId)
	ctx, sess := r.Context(), session(r)
	version, err := ifMatch(r, func() (int64, error) {
		if moveActions[name] == nil {
			return 0, badRequest("If-Match applies to the moves of an instance, not to %s", name)
		}
		in, err := sess.Instance(ctx, req.ProcessInstanceId)
		if err != nil {
			return 0, err
		}
		return in.Version, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := req.check(op, version); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := staleZero(r, "an instance", true); err != nil {
		s.fail(w, r, err)
		return
	}
	switch name {
	case "bpfc_StartInstance":
		in, err := sess.Start(ctx, req.FlowName, req.EntityLogicalName, req.EntityId)
		if err == nil {
			in, err = sess.Instance(ctx, in.ID)
		}
		s.instanceAnswer(w, r, in, err)
	case "bpfc_RunAction":
		a, err := sess.RunAction(ctx, req.ProcessInstanceId, req.ActionName)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, _ := a.Result.(*workflow.Outcome)
		writeJSON(w, http.StatusOK, ActionRun{Instance: req.ProcessInstanceId, Stage: a.Stage.Name, Action: a.Step.Name, Run: out})
	case "bpfc_PreviousStage":
		in, err := sess.PrevTo(ctx, req.ProcessInstanceId, req.StageName, engine.MoveOptions{IfVersion: version, Full: true})
		s.instanceAnswer(w, r, in, err)
	default:
		// The instance after the change, read in full in its transaction.
		in, err := moveActions[name](sess, ctx, req.ProcessInstanceId, engine.MoveOptions{IfVersion: version, Link: req.LinkId, Full: true})
		s.instanceAnswer(w, r, in, err)
	}
}

// check says what a request of action op lacks or has too much of.
func (req *ActionRequest) check(op *operation, version int64) error {
	given := map[string]string{"ProcessInstanceId": req.ProcessInstanceId, "LinkId": req.LinkId, "StageName": req.StageName,
		"ActionName": req.ActionName, "FlowName": req.FlowName, "EntityLogicalName": req.EntityLogicalName, "EntityId": req.EntityId}
	if err := op.need(given); err != nil {
		return err
	}
	for _, p := range []string{"ProcessInstanceId", "LinkId", "StageName", "ActionName", "FlowName", "EntityLogicalName", "EntityId"} {
		if given[p] != "" && !op.takes(p) {
			return badRequest("%s takes no parameter %s", op.Name, p)
		}
	}
	if version > 0 && moveActions[op.Name] == nil {
		return badRequest("If-Match applies to the moves of an instance, not to %s", op.Name)
	}
	return nil
}

// instanceAnswer answers with an instance in full (active path and stage
// log), as bpfc instance prints it after a change.
func (s *Server) instanceAnswer(w http.ResponseWriter, r *http.Request, in *engine.Instance, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", `W/"`+strconv.FormatInt(in.Version, 10)+`"`)
	writeJSON(w, http.StatusOK, in)
}

// bpfcFunction serves GET bpfc_<function>(…).
func (s *Server) bpfcFunction(w http.ResponseWriter, r *http.Request, op *operation, seg string) {
	name := op.Name
	params := map[string]string{}
	if strings.Contains(seg, "(") {
		var err error
		if params, err = functionParams(seg, r.URL.Query()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := op.takesAll(params); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := op.need(params); err != nil {
		s.fail(w, r, err)
		return
	}
	limit := 0
	if v := params["Limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(w, r, badRequest("%s: Limit=%s is not a whole number ≥ 0", name, v))
			return
		}
		limit = n
	}
	ctx, sess := r.Context(), session(r)
	switch name {
	case "bpfc_RetrieveInstance":
		in, err := sess.Instance(ctx, params["ProcessInstanceId"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("ETag", `W/"`+strconv.FormatInt(in.Version, 10)+`"`)
		writeJSON(w, http.StatusOK, in)
	case "bpfc_RetrieveInstances":
		f := engine.InstanceFilter{Flow: params["FlowName"], Table: params["EntityLogicalName"], RecordID: params["EntityId"]}
		if (f.Table == "") != (f.RecordID == "") {
			s.fail(w, r, badRequest("%s: give EntityLogicalName and EntityId together (the record), or neither", name))
			return
		}
		ins, err := sess.Instances(ctx, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": ins})
	case "bpfc_Report":
		o := report.Options{Flow: params["FlowName"], User: sess.User()}
		if v := params["Since"]; v != "" {
			t, ok := compiler.ParseDate(v)
			if !ok {
				s.fail(w, r, badRequest("%s: Since=%s is not a date or time (2026-05-01 or 2026-05-01T09:00:00Z)", name, v))
				return
			}
			o.Since = t
		}
		o.Now = s.cfg.EngineOptions.Now // the engine's clock, when the server was given one
		rep, err := report.Build(ctx, s.cfg.Store, o)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case "bpfc_RetrieveJobs":
		if err := s.requireAdmin(r, "list the workflow queue"); err != nil {
			s.fail(w, r, err)
			return
		}
		st := params["State"]
		switch st {
		case "", store.JobQueued, store.JobWaiting, store.JobRunning, store.JobSucceeded, store.JobFailed, store.JobCanceled:
		default:
			s.fail(w, r, badRequest("%s: State=%s: use queued, waiting, running, succeeded, failed or canceled", name, st))
			return
		}
		js, err := workflow.New(s.cfg.Store, workflow.Options{}).Jobs(ctx, store.JobFilter{State: st, Limit: limit})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": nonNil(js)})
	case "bpfc_RetrieveUsers":
		us, err := sess.Users(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]UserInfo, len(us))
		for i, u := range us {
			out[i] = UserInfo{ID: u.ID, Name: u.Name, FullName: u.FullName, Email: u.Email, Disabled: u.Disabled, Roles: nonNil(u.Roles)}
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": out})
	case "bpfc_RetrieveEmails":
		if err := s.requireAdmin(r, "read the outbox"); err != nil {
			s.fail(w, r, err)
			return
		}
		es, err := workflow.New(s.cfg.Store, workflow.Options{}).Emails(ctx, store.EmailFilter{Limit: limit})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": nonNil(es)})
	default:
		s.fail(w, r, unserved(op))
	}
}

// nonNil makes an empty list [] in JSON, not null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
