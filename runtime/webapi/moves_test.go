package webapi

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestMovesInOneTransaction: a PATCH of activestageid decides and moves in
// one transaction, and bpfc's move actions answer with the instance read
// in their own transaction: exactly what reading it afterwards shows.
func TestMovesInOneTransaction(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Jones", "subject": "Scanners", "companyname": "Contoso"})
	r := f.do("GET", "cts_leadtoopportunities?$filter=_bpf_leadid_value%20eq%20'"+lead+"'", f.admin, nil).must(t, 200)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	ids, _ := f.stageIDs(inst)
	path := "cts_leadtoopportunities(" + inst + ")"
	retrieve := "bpfc_RetrieveInstance(ProcessInstanceId=" + inst + ")"

	// Forward and back with the actions: the answer is the instance as a
	// read after the move gives it, active path, record names and stage
	// log included.
	for i, action := range []string{"bpfc_NextStage", "bpfc_PreviousStage", "bpfc_NextStage"} {
		moved := f.do("POST", action, f.admin, map[string]any{"ProcessInstanceId": inst}).must(t, 200)
		read := f.do("GET", retrieve, f.admin, nil).must(t, 200)
		if !bytes.Equal(moved.raw, read.raw) || moved.header.Get("ETag") != read.header.Get("ETag") {
			t.Errorf("%s (move %d) answered\n%s\nETag %s; reading the instance after it gives\n%s\nETag %s",
				action, i+1, moved.raw, moved.header.Get("ETag"), read.raw, read.header.Get("ETag"))
		}
		if visits, _ := moved.body["visits"].([]any); len(visits) != i+2 {
			t.Errorf("%s (move %d): %d stays in the stage log, want %d", action, i+1, len(visits), i+2)
		}
	}
	if r := f.do("GET", retrieve, f.admin, nil).must(t, 200); r.str("active_stage") != "develop" {
		t.Fatalf("after the actions: %s", r.raw)
	}

	// A move to the stage the instance is at changes nothing, and still
	// checks If-Match.
	f.do("PATCH", path, f.admin, moveTo(ids["develop"]), "If-Match", `W/"1"`).must(t, 412)
	r = f.do("PATCH", path, f.admin, moveTo(ids["develop"]), "If-Match", `W/"4"`).must(t, 204)
	if r.header.Get("ETag") != `W/"4"` {
		t.Errorf("a move to the stage the instance is at: ETag %s, want W/\"4\"", r.header.Get("ETag"))
	}
	// It takes no link.
	r = f.do("PATCH", path, f.admin, map[string]any{"activestageid@odata.bind": "/processstages(" + ids["develop"] + ")",
		"bpf_opportunityid@odata.bind": "/opportunities(" + lead + ")"}).must(t, 400)
	if !strings.Contains(string(r.raw), "at stage develop already") {
		t.Errorf("a link with no move: %s", r.raw)
	}
	// The instance is named by its own instance table only.
	f.do("PATCH", "cts_strategicdeals("+inst+")", f.admin, moveTo(ids["propose"])).must(t, 404)
	// By name as by id; then the stage log has every move once.
	f.do("PATCH", path, f.admin, moveTo("propose"), "If-Match", `W/"4"`).must(t, 204)
	r = f.do("GET", retrieve, f.admin, nil).must(t, 200)
	var got []string
	for _, v := range r.body["visits"].([]any) {
		m := v.(map[string]any)
		got = append(got, m["stage"].(string)+":"+m["entered_how"].(string))
	}
	if s := strings.Join(got, " "); s != "qualify:start develop:next qualify:prev develop:next propose:next" {
		t.Errorf("stage log: %s", s)
	}
}

// TestMoveWithTraversedPath: Dataverse's clients send traversedpath with
// activestageid; the path the move leaves is accepted, another one refuses
// the move and changes nothing, and a path alone is no move.
func TestMoveWithTraversedPath(t *testing.T) {
	f := serve(t, fixtureOptions{})
	inst, ids := f.leadInstance(map[string]any{"lastname": "Jones", "subject": "Scanners", "companyname": "Contoso"})
	path := "cts_leadtoopportunities(" + inst + ")"
	at := func() string {
		return f.do("GET", path+"?$select=traversedpath", f.admin, nil).must(t, 200).str("traversedpath")
	}
	move := func(stage, traversed string) *response {
		return f.do("PATCH", path, f.admin, map[string]any{"activestageid@odata.bind": "/processstages(" + ids[stage] + ")",
			"traversedpath": traversed})
	}

	r := move("develop", ids["qualify"]).must(t, 400)
	if !strings.Contains(string(r.raw), "is not the path the move leaves") || at() != ids["qualify"] {
		t.Errorf("a wrong path: %s; path now %s", r.raw, at())
	}
	move("develop", strings.ToUpper(ids["qualify"]+", "+ids["develop"])).must(t, 204)
	if got := at(); got != ids["qualify"]+","+ids["develop"] {
		t.Errorf("after next with its path: %s", got)
	}
	move("qualify", ids["qualify"]).must(t, 204)
	if got := at(); got != ids["qualify"] {
		t.Errorf("after prev with its path: %s", got)
	}
	r = f.do("PATCH", path, f.admin, map[string]any{"traversedpath": ids["qualify"]}).must(t, 400)
	if !strings.Contains(string(r.raw), "give activestageid too") {
		t.Errorf("a path alone: %s", r.raw)
	}
}

// TestInstancePatchWhole: a PATCH of an instance that renames, moves and
// changes its state is one transaction: when a part is refused, nothing of
// it is kept (the rename before a refused move, the move — and the record
// it created — before a refused finish or a state that is none).
func TestInstancePatchWhole(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Jones", "subject": "Scanners", "companyname": "Contoso"})
	r := f.do("GET", "cts_leadtoopportunities?$filter=_bpf_leadid_value%20eq%20'"+lead+"'", f.admin, nil).must(t, 200)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	path := "cts_leadtoopportunities(" + inst + ")"
	state := func() string {
		r := f.do("GET", path+"?$select=bpf_name,_activestageid_value,statecode,versionnumber", f.admin, nil).must(t, 200)
		opps := f.do("GET", "opportunities?$select=name", f.admin, nil).must(t, 200)
		return fmt.Sprintf("%v %v %v %v, %d opportunities", r.body["bpf_name"], r.body["_activestageid_value"], r.body["statecode"],
			r.body["versionnumber"], len(opps.rows()))
	}
	before := state()
	for _, c := range []struct {
		what string
		body map[string]any
	}{
		{"a rename and a move two stages on", map[string]any{"bpf_name": "Renamed", "activestageid@odata.bind": "/processstages(propose)"}},
		{"a move and a state that is none", map[string]any{"activestageid@odata.bind": "/processstages(develop)", "statecode": 0, "statuscode": 2}},
		{"a move and a finish short of the last stage", map[string]any{"bpf_name": "Renamed",
			"activestageid@odata.bind": "/processstages(develop)", "statecode": 1, "statuscode": 2}},
	} {
		f.do("PATCH", path, f.admin, c.body).must(t, 400)
		if now := state(); now != before {
			t.Fatalf("%s was refused but changed the instance: %s, was %s", c.what, now, before)
		}
	}
	// All of it when nothing is refused: renamed and moved, in one answer.
	r = f.do("PATCH", path, f.admin, map[string]any{"bpf_name": "Renamed", "activestageid@odata.bind": "/processstages(develop)"}).must(t, 204)
	if now := state(); !strings.HasPrefix(now, "Renamed ") || now == before || !strings.HasSuffix(now, "1 opportunities") {
		t.Errorf("a rename and a move: %s", now)
	}
	// A state the instance has is no change beside a rename.
	f.do("PATCH", path, f.admin, map[string]any{"bpf_name": "Again", "statecode": 0, "statuscode": 1}).must(t, 204)
	if now := state(); !strings.HasPrefix(now, "Again ") {
		t.Errorf("a rename with the state it has: %s", now)
	}
}

// TestMoveBackToAnEarlierStage: a PATCH of activestageid to any stage the
// instance traversed moves it there in one move, as Dataverse's Set Active
// of a completed stage: the path cut back, the lookups of the tables left
// cleared, one exit and one entry in the stage log; If-Match holds as for
// any move. bpfc_PreviousStage does the same with StageName, and refuses a
// stage the instance cannot go back to, naming those it can.
func TestMoveBackToAnEarlierStage(t *testing.T) {
	f := serve(t, fixtureOptions{})
	inst, ids := f.leadInstance(map[string]any{"lastname": "Jones", "subject": "Scanners", "companyname": "Contoso"})
	path := "cts_leadtoopportunities(" + inst + ")"
	retrieve := "bpfc_RetrieveInstance(ProcessInstanceId=" + inst + ")"
	stageLog := func() string {
		var got []string
		for _, v := range f.do("GET", retrieve, f.admin, nil).must(t, 200).body["visits"].([]any) {
			m := v.(map[string]any)
			left, _ := m["left_how"].(string)
			got = append(got, m["stage"].(string)+":"+m["entered_how"].(string)+">"+left)
		}
		return strings.Join(got, " ")
	}
	for _, s := range []string{"develop", "propose", "close"} {
		f.do("PATCH", path, f.admin, moveTo(ids[s])).must(t, 204)
	}
	// A stale ETag is 412 and moves nothing.
	f.do("PATCH", path, f.admin, moveTo(ids["qualify"]), "If-Match", `W/"3"`).must(t, 412)
	r := f.do("PATCH", path, f.admin, map[string]any{"activestageid@odata.bind": "/processstages(" + ids["qualify"] + ")",
		"traversedpath": ids["qualify"]}, "If-Match", `W/"4"`, "Prefer", "return=representation").must(t, 200)
	if r.str("_activestageid_value") != ids["qualify"] || r.str("traversedpath") != ids["qualify"] ||
		r.body["_bpf_opportunityid_value"] != nil || r.str("@odata.etag") != `W/"5"` {
		t.Errorf("after the move back from close to qualify: %s", r.raw)
	}
	if got := stageLog(); got != "qualify:start>next develop:next>next propose:next>next close:next>prev qualify:prev>" {
		t.Errorf("stage log: %s", got)
	}

	// bpfc_PreviousStage with StageName, from propose back to qualify.
	f.do("PATCH", path, f.admin, moveTo(ids["develop"])).must(t, 204)
	f.do("PATCH", path, f.admin, moveTo(ids["propose"])).must(t, 204)
	r = f.do("POST", "bpfc_PreviousStage", f.admin, map[string]any{"ProcessInstanceId": inst, "StageName": "close"}).must(t, 400)
	if r.errCode() != "Refused" || !strings.Contains(string(r.raw), `"rule":"target stage"`) ||
		!strings.Contains(string(r.raw), `the instance can go back to \"qualify\" or \"develop\"`) {
		t.Errorf("StageName of a stage not traversed: %s", r.raw)
	}
	r = f.do("POST", "bpfc_PreviousStage", f.admin, map[string]any{"ProcessInstanceId": inst, "StageName": "qualfy"}).must(t, 400)
	if !strings.Contains(string(r.raw), "did you mean qualify?") {
		t.Errorf("a misspelt StageName: %s", r.raw)
	}
	f.do("POST", "bpfc_PreviousStage", f.admin, map[string]any{"ProcessInstanceId": inst, "StageName": "qualify"}, "If-Match", `W/"6"`).must(t, 412)
	r = f.do("POST", "bpfc_PreviousStage", f.admin, map[string]any{"ProcessInstanceId": inst, "StageName": "qualify"}, "If-Match", `W/"7"`).must(t, 200)
	if r.str("active_stage") != "qualify" || r.header.Get("ETag") != `W/"8"` {
		t.Errorf("bpfc_PreviousStage to qualify: %s", r.raw)
	}
	if got := stageLog(); !strings.HasSuffix(got, " qualify:prev>next develop:next>next propose:next>prev qualify:prev>") {
		t.Errorf("stage log: %s", got)
	}
}
