package webapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantOperations are the functions and actions the server serves, written
// here rather than read from the operations table, so that dropping one
// from the table (which drops its route too) or changing a parameter fails
// the tests: kind(Parameter Type, …) ReturnType, a required parameter
// marked !.
var wantOperations = map[string]string{
	"WhoAmI":                   "function() mscrm.WhoAmIResponse",
	"RetrieveActivePath":       "function(ProcessInstanceId Edm.Guid!) mscrm.RetrieveActivePathResponse",
	"RetrieveProcessInstances": "function(EntityLogicalName Edm.String!, EntityId Edm.Guid!) mscrm.RetrieveProcessInstancesResponse",
	"ImportSolution": "action(CustomizationFile Edm.Binary!, ArchiveName Edm.String, Model Edm.Binary, Digest Edm.String, " +
		"Mode Edm.String, Settings mscrm.bpfc_Settings, EnvironmentValues mscrm.bpfc_Settings, Secrets mscrm.bpfc_Settings, Who Edm.String, Operation Edm.String, OtherCustomizationFile Edm.Binary, " +
		"OtherArchiveName Edm.String) mscrm.bpfc_DeployResult",
	"bpfc_PlanImport": "action(CustomizationFile Edm.Binary!, ArchiveName Edm.String, Model Edm.Binary, Digest Edm.String, " +
		"Mode Edm.String, Settings mscrm.bpfc_Settings, EnvironmentValues mscrm.bpfc_Settings, Secrets mscrm.bpfc_Settings, Who Edm.String, Operation Edm.String, OtherCustomizationFile Edm.Binary, " +
		"OtherArchiveName Edm.String) mscrm.bpfc_Plan",
	"bpfc_ExportSolution":     "action(SolutionName Edm.String!, SummaryOnly Edm.Boolean) mscrm.bpfc_ExportSolutionResponse",
	"bpfc_RetrieveInstance":   "function(ProcessInstanceId Edm.Guid!) mscrm.bpfc_Instance",
	"bpfc_RetrieveInstances":  "function(FlowName Edm.String, EntityLogicalName Edm.String, EntityId Edm.Guid) Collection(mscrm.bpfc_Instance)",
	"bpfc_Report":             "function(FlowName Edm.String, Since Edm.DateTimeOffset) mscrm.bpfc_Report",
	"bpfc_RetrieveJobs":       "function(State Edm.String, Limit Edm.Int32) Collection(mscrm.bpfc_Job)",
	"bpfc_RetrieveUsers":      "function() Collection(mscrm.bpfc_User)",
	"bpfc_RetrieveEmails":     "function(Limit Edm.Int32) Collection(mscrm.bpfc_Email)",
	"bpfc_StartInstance":      "action(FlowName Edm.String!, EntityLogicalName Edm.String!, EntityId Edm.Guid!) mscrm.bpfc_Instance",
	"bpfc_NextStage":          "action(ProcessInstanceId Edm.Guid!, LinkId Edm.Guid) mscrm.bpfc_Instance",
	"bpfc_PreviousStage":      "action(ProcessInstanceId Edm.Guid!, StageName Edm.String) mscrm.bpfc_Instance",
	"bpfc_FinishInstance":     "action(ProcessInstanceId Edm.Guid!) mscrm.bpfc_Instance",
	"bpfc_AbandonInstance":    "action(ProcessInstanceId Edm.Guid!) mscrm.bpfc_Instance",
	"bpfc_ReactivateInstance": "action(ProcessInstanceId Edm.Guid!) mscrm.bpfc_Instance",
	"bpfc_RunAction":          "action(ProcessInstanceId Edm.Guid!, ActionName Edm.String!) mscrm.bpfc_ActionRun",
}

// csdl is what the tests read of $metadata.
type csdl struct {
	Schema struct {
		EntityTypes []struct {
			Name string `xml:"Name,attr"`
		} `xml:"EntityType"`
		ComplexTypes []struct {
			Name     string         `xml:"Name,attr"`
			OpenType bool           `xml:"OpenType,attr"`
			Props    []csdlProperty `xml:"Property"`
		} `xml:"ComplexType"`
		Functions       []csdlOperation `xml:"Function"`
		Actions         []csdlOperation `xml:"Action"`
		FunctionImports []struct {
			Name     string `xml:"Name,attr"`
			Function string `xml:"Function,attr"`
		} `xml:"EntityContainer>FunctionImport"`
		ActionImports []struct {
			Name   string `xml:"Name,attr"`
			Action string `xml:"Action,attr"`
		} `xml:"EntityContainer>ActionImport"`
	} `xml:"DataServices>Schema"`
}

type csdlProperty struct {
	Name     string `xml:"Name,attr"`
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr"`
}

type csdlOperation struct {
	Name    string         `xml:"Name,attr"`
	IsBound string         `xml:"IsBound,attr"`
	Params  []csdlProperty `xml:"Parameter"`
	Return  csdlProperty   `xml:"ReturnType"`
}

// signature writes an operation as wantOperations does.
func (o csdlOperation) signature(kind string) string {
	var ps []string
	for _, p := range o.Params {
		s := p.Name + " " + p.Type
		if p.Nullable == "false" {
			s += "!"
		}
		ps = append(ps, s)
	}
	return kind + "(" + strings.Join(ps, ", ") + ") " + o.Return.Type
}

// metadata reads $metadata: the document and its bytes.
func (f *fixture) metadata() (*csdl, []byte) {
	f.t.Helper()
	req, err := http.NewRequest("GET", f.url+Prefix+"$metadata", nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		f.t.Fatalf("$metadata: %d %v\n%s", resp.StatusCode, err, raw)
	}
	// Well-formed: every token reads.
	for dec := xml.NewDecoder(bytes.NewReader(raw)); ; {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			f.t.Fatalf("$metadata is not well-formed XML: %v", err)
		}
	}
	var doc csdl
	if err := xml.Unmarshal(raw, &doc); err != nil {
		f.t.Fatal(err)
	}
	return &doc, raw
}

// TestMetadataOperations: $metadata declares every function and action
// the server serves, with its parameters (required ones not nullable) and
// return type, unbound, each with its import in the container; every type
// it names is declared; the declarations are sorted and the document the
// same in every answer.
func TestMetadataOperations(t *testing.T) {
	f := serve(t, fixtureOptions{})
	doc, raw := f.metadata()
	sc := doc.Schema

	got := map[string]string{}
	imports := map[string]string{}
	for _, fi := range sc.FunctionImports {
		imports["function "+fi.Name] = fi.Function
	}
	for _, ai := range sc.ActionImports {
		imports["action "+ai.Name] = ai.Action
	}
	for kind, ops := range map[string][]csdlOperation{"function": sc.Functions, "action": sc.Actions} {
		for _, o := range ops {
			if _, dup := got[o.Name]; dup {
				t.Errorf("%s is declared twice", o.Name)
			}
			got[o.Name] = o.signature(kind)
			if o.IsBound == "true" {
				t.Errorf("%s is bound, but the server serves it at the service root", o.Name)
			} else if imports[kind+" "+o.Name] != "mscrm."+o.Name {
				t.Errorf("unbound %s %s has no %s import in the container (imports: %v)", kind, o.Name, kind, imports)
			}
			delete(imports, kind+" "+o.Name)
		}
	}
	if diff := cmp.Diff(wantOperations, got); diff != "" {
		t.Errorf("functions and actions (-want +got):\n%s", diff)
	}
	if len(imports) > 0 {
		t.Errorf("imports of nothing declared: %v", imports)
	}

	// Every type named is an EDM primitive or declared.
	declared := map[string]bool{}
	for _, et := range sc.EntityTypes {
		declared["mscrm."+et.Name] = true
	}
	for _, ct := range sc.ComplexTypes {
		declared["mscrm."+ct.Name] = true
	}
	primitive := map[string]bool{"Edm.String": true, "Edm.Guid": true, "Edm.Int32": true, "Edm.Int64": true, "Edm.Boolean": true,
		"Edm.Binary": true, "Edm.Decimal": true, "Edm.DateTimeOffset": true}
	check := func(where, typ string) {
		if inner, ok := strings.CutPrefix(typ, "Collection("); ok {
			typ = strings.TrimSuffix(inner, ")")
		}
		if !primitive[typ] && !declared[typ] {
			t.Errorf("%s: type %s is not declared", where, typ)
		}
	}
	for _, o := range slices.Concat(sc.Functions, sc.Actions) {
		for _, p := range o.Params {
			check(o.Name+"."+p.Name, p.Type)
		}
		check(o.Name+" ReturnType", o.Return.Type)
	}
	for _, ct := range sc.ComplexTypes {
		for _, p := range ct.Props {
			check(ct.Name+"."+p.Name, p.Type)
		}
	}

	// Sorted by name, and the same bytes twice.
	order := map[string][]string{}
	for dec := xml.NewDecoder(bytes.NewReader(raw)); ; {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && strings.Contains(" ComplexType Function Action FunctionImport ActionImport ", " "+se.Name.Local+" ") {
			for _, a := range se.Attr {
				if a.Name.Local == "Name" {
					order[se.Name.Local] = append(order[se.Name.Local], a.Value)
				}
			}
		}
	}
	for kind, names := range order {
		if !slices.IsSorted(names) {
			t.Errorf("%s elements not sorted by name: %v", kind, names)
		}
	}
	if _, again := f.metadata(); !bytes.Equal(raw, again) {
		t.Error("$metadata differs between two answers")
	}
}

// TestOperationsServed: every function and action $metadata declares is
// served, and its handler reads the parameters declared: a missing
// required one is named in the 400, bpfc's functions and actions refuse
// the others, and the bodies of ImportSolution, bpfc_ExportSolution and
// bpfc's actions have a member for each parameter.
func TestOperationsServed(t *testing.T) {
	f := serve(t, fixtureOptions{})
	doc, _ := f.metadata()
	ops := slices.Concat(doc.Schema.Functions, doc.Schema.Actions)
	if len(ops) != len(wantOperations) {
		t.Errorf("%d operations declared, want %d", len(ops), len(wantOperations))
	}
	bodies := map[string]reflect.Type{"ImportSolution": reflect.TypeFor[ImportRequest](), "bpfc_PlanImport": reflect.TypeFor[ImportRequest](),
		"bpfc_ExportSolution": reflect.TypeFor[ExportRequest]()}
	listed := regexp.MustCompile(`takes the parameters (.*), not Nope$`)
	const id = "00000000-0000-0000-0000-000000000001"
	for _, o := range ops {
		action := slices.ContainsFunc(doc.Schema.Actions, func(a csdlOperation) bool { return a.Name == o.Name })
		var declared []string
		firstRequired := ""
		for _, p := range o.Params {
			declared = append(declared, p.Name)
			if p.Nullable == "false" && firstRequired == "" {
				firstRequired = p.Name
			}
		}
		// Called without parameters: served (not 404 or 405), and a
		// missing required parameter is named.
		var r *response
		if action {
			r = f.do("POST", o.Name, f.admin, map[string]any{})
		} else {
			r = f.do("GET", o.Name+"()", f.admin, nil)
		}
		msg := r.message()
		switch {
		case r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed:
			t.Errorf("%s is declared but not served: %d %s", o.Name, r.status, r.raw)
		case firstRequired != "" && (r.status != http.StatusBadRequest || !strings.Contains(msg, firstRequired)):
			t.Errorf("%s without parameters: %d %s; want 400 naming %s", o.Name, r.status, r.raw, firstRequired)
		case firstRequired == "" && r.status != http.StatusOK:
			t.Errorf("%s without parameters (none required): %d %s", o.Name, r.status, r.raw)
		}

		switch {
		case bodies[o.Name] != nil:
			// The body's members are the parameters.
			var members []string
			for _, fld := range reflect.VisibleFields(bodies[o.Name]) {
				members = append(members, strings.Split(fld.Tag.Get("json"), ",")[0])
			}
			if diff := cmp.Diff(members, declared); diff != "" {
				t.Errorf("%s: the body's members (-) and the declared parameters (+):\n%s", o.Name, diff)
			}
		case action:
			// bpfc's actions: ActionRequest has each parameter; a member
			// not declared is refused.
			members := map[string]bool{}
			for _, fld := range reflect.VisibleFields(reflect.TypeFor[ActionRequest]()) {
				members[strings.Split(fld.Tag.Get("json"), ",")[0]] = true
			}
			for _, p := range declared {
				if !members[p] {
					t.Errorf("%s declares %s, which ActionRequest has no member for", o.Name, p)
				}
			}
			for m := range members {
				body := map[string]any{m: id}
				for _, p := range o.Params {
					if p.Nullable == "false" {
						body[p.Name] = id
					}
				}
				r := f.do("POST", o.Name, f.admin, body)
				refused := r.status == http.StatusBadRequest && strings.Contains(r.message(), "takes no parameter "+m)
				if refused == slices.Contains(declared, m) {
					t.Errorf("%s with %s (declared: %v): %d %s", o.Name, m, declared, r.status, r.raw)
				}
			}
		case strings.HasPrefix(o.Name, "bpfc_"):
			// bpfc's functions name the parameters they take.
			r := f.do("GET", o.Name+"(Nope=1)", f.admin, nil)
			m := listed.FindStringSubmatch(r.message())
			if r.status != http.StatusBadRequest || m == nil || m[1] != strings.Join(declared, ", ") {
				t.Errorf("%s(Nope=1): %d %s; want the parameters %v", o.Name, r.status, r.raw, declared)
			}
		}
	}
}

// message is the error message of an answer, or its text.
func (r *response) message() string {
	if e, ok := r.body["error"].(map[string]any); ok {
		if m, ok := e["message"].(string); ok {
			return m
		}
	}
	return string(r.raw)
}

// TestMetadataAnswers: the answers of RetrieveProcessInstances and
// RetrieveActivePath have exactly the properties their declared complex
// types list, with values of the declared types.
func TestMetadataAnswers(t *testing.T) {
	f := serve(t, fixtureOptions{})
	doc, _ := f.metadata()
	props := map[string][]csdlProperty{}
	for _, ct := range doc.Schema.ComplexTypes {
		props["mscrm."+ct.Name] = ct.Props
	}
	returns := map[string]string{}
	for _, o := range doc.Schema.Functions {
		returns[o.Name] = o.Return.Type
	}
	lead := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"})
	r := f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+lead+")", f.admin, nil).must(t, 200)
	procs, _ := r.body["Processes"].([]any)
	if len(procs) != 1 {
		t.Fatalf("processes: %s", r.raw)
	}
	inst := procs[0].(map[string]any)["businessprocessflowinstanceid"].(string)
	for call, member := range map[string]string{
		"RetrieveProcessInstances(EntityLogicalName='lead',EntityId=" + lead + ")": "Processes",
		"RetrieveActivePath(ProcessInstanceId=" + inst + ")":                       "ProcessStages",
	} {
		name, _, _ := strings.Cut(call, "(")
		r := f.do("GET", call, f.admin, nil).must(t, 200)
		if !strings.HasSuffix(r.str("@odata.context"), "$metadata#Microsoft.Dynamics.CRM."+strings.TrimPrefix(returns[name], "mscrm.")) {
			t.Errorf("%s: @odata.context %s, return type %s", name, r.str("@odata.context"), returns[name])
		}
		resp := props[returns[name]]
		if len(resp) != 1 || resp[0].Name != member || !strings.HasPrefix(resp[0].Type, "Collection(mscrm.") {
			t.Fatalf("%s: the response type %s has %v, want %s, a collection", name, returns[name], resp, member)
		}
		elem := props[strings.TrimSuffix(strings.TrimPrefix(resp[0].Type, "Collection("), ")")]
		want := map[string]string{}
		for _, p := range elem {
			want[p.Name] = p.Type
		}
		rows, _ := r.body[member].([]any)
		if len(rows) == 0 {
			t.Fatalf("%s: no %s: %s", name, member, r.raw)
		}
		for _, row := range rows {
			got := map[string]string{}
			for k, v := range row.(map[string]any) {
				if strings.HasPrefix(k, "@odata.") {
					continue
				}
				b, _ := json.Marshal(v)
				switch {
				case want[k] == "":
					got[k] = "undeclared: " + string(b)
				case !ofType(v, want[k]):
					got[k] = "not " + want[k] + ": " + string(b)
				default:
					got[k] = want[k]
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: %s (-declared +answered):\n%s", name, member, diff)
			}
		}
	}
}

var guidText = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ofType says whether a JSON value (or null) is of an EDM type.
func ofType(v any, typ string) bool {
	if v == nil {
		return true
	}
	switch typ {
	case "Edm.Guid":
		s, ok := v.(string)
		return ok && guidText.MatchString(s)
	case "Edm.String", "Edm.DateTimeOffset":
		_, ok := v.(string)
		return ok
	case "Edm.Int32":
		n, ok := v.(float64)
		return ok && n == float64(int32(n))
	case "Edm.Int64":
		n, ok := v.(float64)
		return ok && n == float64(int64(n))
	case "Edm.Boolean":
		_, ok := v.(bool)
		return ok
	}
	return false
}
