package webapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
)

// The functions and actions of the API, in one table (operations): the
// router serves each from it (routes registers the actions, get dispatches
// the functions) and $metadata declares each from it, as an edm:Function
// or edm:Action of Microsoft.Dynamics.CRM with its parameters and return
// type, and a FunctionImport or ActionImport in the container. An entry
// here is served and described; a name not here is neither. Every one is
// unbound: it is called at the service root, not on an entity set or row.
//
// The handlers read their parameters from the table too: which are
// required (missing: 400 "X needs the parameter P"), and, for bpfc's own,
// which are allowed (others: 400). ImportSolution and bpfc_ExportSolution
// decode their bodies into ImportRequest and ExportRequest, whose members
// their entries list.

// operation is one function (GET Name(P=v,…)) or action (POST Name, its
// parameters the members of a JSON object).
type operation struct {
	Name    string
	Action  bool
	Params  []param // in declaration order
	Returns string  // the answer's type: an EDM primitive, mscrm.<complex type> or Collection(…)
	// serve answers a request for the operation; seg is a function's path
	// segment, Name(P=v,…), and "" for an action.
	serve func(s *Server, w http.ResponseWriter, r *http.Request, op *operation, seg string)
}

// param is a parameter as its handler reads it.
type param struct {
	Name     string
	Type     string // an EDM type
	Optional bool   // the handler does without it (Nullable in $metadata)
}

func required(name, typ string) param { return param{Name: name, Type: typ} }
func optional(name, typ string) param { return param{Name: name, Type: typ, Optional: true} }

// instanceID is the parameter of the functions and actions on one
// instance.
var instanceID = required("ProcessInstanceId", "Edm.Guid")

// operations are the API's functions and actions.
// importParams are the parameters of ImportSolution and bpfc_PlanImport:
// the members of ImportRequest.
var importParams = []param{
	required("CustomizationFile", "Edm.Binary"), optional("ArchiveName", "Edm.String"), optional("Model", "Edm.Binary"),
	optional("Digest", "Edm.String"), optional("Mode", "Edm.String"), optional("Settings", "mscrm.bpfc_Settings"),
	optional("EnvironmentValues", "mscrm.bpfc_Settings"), optional("Secrets", "mscrm.bpfc_Settings"), optional("Who", "Edm.String"), optional("Operation", "Edm.String"), optional("OtherCustomizationFile", "Edm.Binary"),
	optional("OtherArchiveName", "Edm.String"),
}

var operations = []operation{
	// Dataverse's (functions.go), in its response shapes.
	{Name: "WhoAmI", Returns: "mscrm.WhoAmIResponse", serve: (*Server).function},
	{Name: "RetrieveActivePath", Params: []param{instanceID}, Returns: "mscrm.RetrieveActivePathResponse", serve: (*Server).function},
	{Name: "RetrieveProcessInstances", Params: []param{required("EntityLogicalName", "Edm.String"), required("EntityId", "Edm.Guid")},
		Returns: "mscrm.RetrieveProcessInstancesResponse", serve: (*Server).function},

	// Deployment (import.go, export.go): the members of ImportRequest and
	// ExportRequest.
	{Name: "ImportSolution", Action: true, Params: importParams, Returns: "mscrm.bpfc_DeployResult", serve: plain((*Server).importSolution)},
	{Name: "bpfc_PlanImport", Action: true, Params: importParams, Returns: "mscrm.bpfc_Plan", serve: plain((*Server).planImport)},
	{Name: "bpfc_ExportSolution", Action: true, Params: []param{required("SolutionName", "Edm.String"), optional("SummaryOnly", "Edm.Boolean")},
		Returns: "mscrm.bpfc_ExportSolutionResponse", serve: plain((*Server).exportSolution)},

	// bpfc's own (bpfc.go): functions ...
	{Name: "bpfc_RetrieveInstance", Params: []param{instanceID}, Returns: "mscrm.bpfc_Instance", serve: (*Server).bpfcFunction},
	{Name: "bpfc_RetrieveInstances", Params: []param{optional("FlowName", "Edm.String"), optional("EntityLogicalName", "Edm.String"),
		optional("EntityId", "Edm.Guid")}, Returns: "Collection(mscrm.bpfc_Instance)", serve: (*Server).bpfcFunction},
	{Name: "bpfc_Report", Params: []param{optional("FlowName", "Edm.String"), optional("Since", "Edm.DateTimeOffset")},
		Returns: "mscrm.bpfc_Report", serve: (*Server).bpfcFunction},
	{Name: "bpfc_RetrieveJobs", Params: []param{optional("State", "Edm.String"), optional("Limit", "Edm.Int32")},
		Returns: "Collection(mscrm.bpfc_Job)", serve: (*Server).bpfcFunction},
	{Name: "bpfc_RetrieveEmails", Params: []param{optional("Limit", "Edm.Int32")}, Returns: "Collection(mscrm.bpfc_Email)",
		serve: (*Server).bpfcFunction},
	{Name: "bpfc_RetrieveUsers", Returns: "Collection(mscrm.bpfc_User)", serve: (*Server).bpfcFunction},
	// ... and actions, on members of ActionRequest.
	{Name: "bpfc_StartInstance", Action: true, Params: []param{required("FlowName", "Edm.String"), required("EntityLogicalName", "Edm.String"),
		required("EntityId", "Edm.Guid")}, Returns: "mscrm.bpfc_Instance", serve: (*Server).bpfcAction},
	{Name: "bpfc_NextStage", Action: true, Params: []param{instanceID, optional("LinkId", "Edm.Guid")}, Returns: "mscrm.bpfc_Instance",
		serve: (*Server).bpfcAction},
	{Name: "bpfc_PreviousStage", Action: true, Params: []param{instanceID, optional("StageName", "Edm.String")}, Returns: "mscrm.bpfc_Instance",
		serve: (*Server).bpfcAction},
	{Name: "bpfc_FinishInstance", Action: true, Params: []param{instanceID}, Returns: "mscrm.bpfc_Instance", serve: (*Server).bpfcAction},
	{Name: "bpfc_AbandonInstance", Action: true, Params: []param{instanceID}, Returns: "mscrm.bpfc_Instance", serve: (*Server).bpfcAction},
	{Name: "bpfc_ReactivateInstance", Action: true, Params: []param{instanceID}, Returns: "mscrm.bpfc_Instance", serve: (*Server).bpfcAction},
	{Name: "bpfc_RunAction", Action: true, Params: []param{instanceID, required("ActionName", "Edm.String")}, Returns: "mscrm.bpfc_ActionRun",
		serve: (*Server).bpfcAction},
}

// plain serves an operation with a handler that needs neither it nor a
// path segment.
func plain(h func(*Server, http.ResponseWriter, *http.Request)) func(*Server, http.ResponseWriter, *http.Request, *operation, string) {
	return func(s *Server, w http.ResponseWriter, r *http.Request, _ *operation, _ string) { h(s, w, r) }
}

// byName are the operations by name, filled in init: fail reads them for
// a 405's Allow and for the words of a body's error, and the operations'
// handlers call fail.
var byName = map[string]*operation{}

func init() {
	for i := range operations {
		byName[operations[i].Name] = &operations[i]
	}
}

// operationNamed is the operation of that name, or nil.
func operationNamed(name string) *operation { return byName[name] }

// functionNamed is the operation GET serves of that name, or nil.
func functionNamed(name string) *operation {
	if op := byName[name]; op != nil && !op.Action {
		return op
	}
	return nil
}

// isAction says whether name is an operation POST serves.
func isAction(name string) bool {
	op := byName[name]
	return op != nil && op.Action
}

// verb is the method that serves the operation: POST an action, GET a
// function.
func (op *operation) verb() string {
	if op.Action {
		return "POST"
	}
	return "GET"
}

// allowFor is the Allow header of a 405 for the request's path: the
// methods that path takes.
func allowFor(r *http.Request) string {
	seg := strings.TrimPrefix(r.URL.Path, Prefix)
	name, id, isKey := splitKey(seg)
	switch {
	case name == "$batch":
		return "POST"
	case byName[name] != nil:
		return byName[name].verb()
	case isProcessSet(name):
		return "GET"
	case isKey && id != "":
		return "GET, PATCH, DELETE"
	}
	return "GET, POST"
}

// param is the operation's parameter of that name, or nil.
func (op *operation) param(name string) *param {
	for i := range op.Params {
		if op.Params[i].Name == name {
			return &op.Params[i]
		}
	}
	return nil
}

// takes says whether the operation has the parameter.
func (op *operation) takes(name string) bool { return op.param(name) != nil }

// takesAll refuses a call with a parameter the function does not take
// (given: name -> value; the first in name order).
func (op *operation) takesAll(given map[string]string) error {
	for _, p := range slices.Sorted(maps.Keys(given)) {
		if !op.takes(p) {
			return badRequest("%s takes the parameters %s, not %s", op.Name, op.paramNames(), p)
		}
	}
	return nil
}

// paramNames lists the operation's parameters, for messages.
func (op *operation) paramNames() string {
	names := make([]string, len(op.Params))
	for i, p := range op.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// need refuses a call that lacks a required parameter (given: name ->
// value, "" for none).
func (op *operation) need(given map[string]string) error {
	for _, p := range op.Params {
		if !p.Optional && given[p.Name] == "" {
			return badRequest("%s needs the parameter %s", op.Name, p.Name)
		}
		// A GUID parameter that is none names no row: 400, as Dataverse
		// answers, not an empty answer or 404.
		if v := given[p.Name]; p.Type == "Edm.Guid" && v != "" && !engine.IsID(v) {
			return badRequest("%s: the parameter %s is an Edm.Guid; %q is not one", op.Name, p.Name, v)
		}
	}
	return nil
}

// unserved is the answer of an operation in the table whose handler has
// no case for it: a mistake of the server's, not the caller's.
func unserved(op *operation) error {
	return fmt.Errorf("operation %s has no case in its handler", op.Name)
}
