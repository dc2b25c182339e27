package webapi

import (
	"cmp"
	"encoding/xml"
	"maps"
	"net/http"
	"slices"
)

// GET $metadata: a minimal CSDL document (OData 4.0 XML), what OData
// clients read to learn the entity sets and their properties. One
// EntityType per table, named by its logical name, with its key, every
// column as a property (lookups as _<column>_value, Edm.Guid, and a
// navigation property <column> to the target table) and one EntitySet per
// table in the container. Then the functions and actions the server serves
// (operations.go), each an edm:Function or edm:Action with its parameters
// (a required one Nullable="false") and ReturnType, with a FunctionImport
// or ActionImport in the container (every one is unbound), and the
// complex types of their answers (complexTypes). The operations, complex
// types and imports are sorted by name; parameters keep their order.

type edmx struct {
	XMLName      xml.Name    `xml:"edmx:Edmx"`
	Version      string      `xml:"Version,attr"`
	XmlnsEdmx    string      `xml:"xmlns:edmx,attr"`
	DataServices edmxService `xml:"edmx:DataServices"`
}

type edmxService struct {
	Schema edmSchema `xml:"Schema"`
}

type edmSchema struct {
	Xmlns        string           `xml:"xmlns,attr"`
	Namespace    string           `xml:"Namespace,attr"`
	Alias        string           `xml:"Alias,attr"`
	EntityTypes  []edmEntityType  `xml:"EntityType"`
	ComplexTypes []edmComplexType `xml:"ComplexType"`
	Functions    []edmOperation   `xml:"Function"`
	Actions      []edmOperation   `xml:"Action"`
	Container    edmContainer     `xml:"EntityContainer"`
}

type edmEntityType struct {
	Name       string          `xml:"Name,attr"`
	Key        edmKey          `xml:"Key"`
	Properties []edmProperty   `xml:"Property"`
	Navigation []edmNavigation `xml:"NavigationProperty"`
}

type edmKey struct {
	PropertyRef struct {
		Name string `xml:"Name,attr"`
	} `xml:"PropertyRef"`
}

type edmProperty struct {
	Name string `xml:"Name,attr"`
	Type string `xml:"Type,attr"`
}

type edmNavigation struct {
	Name string `xml:"Name,attr"`
	Type string `xml:"Type,attr"`
}

type edmComplexType struct {
	Name       string        `xml:"Name,attr"`
	OpenType   bool          `xml:"OpenType,attr,omitempty"`
	Properties []edmProperty `xml:"Property"`
}

type edmOperation struct {
	Name       string         `xml:"Name,attr"`
	Parameters []edmParameter `xml:"Parameter"`
	ReturnType edmReturnType  `xml:"ReturnType"`
}

type edmParameter struct {
	Name     string `xml:"Name,attr"`
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr,omitempty"`
}

type edmReturnType struct {
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr"`
}

type edmContainer struct {
	Name            string              `xml:"Name,attr"`
	Sets            []edmEntity         `xml:"EntitySet"`
	FunctionImports []edmFunctionImport `xml:"FunctionImport"`
	ActionImports   []edmActionImport   `xml:"ActionImport"`
}

type edmFunctionImport struct {
	Name     string `xml:"Name,attr"`
	Function string `xml:"Function,attr"`
}

type edmActionImport struct {
	Name   string `xml:"Name,attr"`
	Action string `xml:"Action,attr"`
}

type edmEntity struct {
	Name       string `xml:"Name,attr"`
	EntityType string `xml:"EntityType,attr"`
}

// edmTypes maps AttributeTypeCode names to EDM types.
var edmTypes = map[string]string{
	"String": "Edm.String", "Memo": "Edm.String", "Integer": "Edm.Int32", "Picklist": "Edm.Int32", "State": "Edm.Int32",
	"Status": "Edm.Int32", "BigInt": "Edm.Int64", "Decimal": "Edm.Decimal", "Money": "Edm.Decimal", "Boolean": "Edm.Boolean",
	"DateTime": "Edm.DateTimeOffset", "Uniqueidentifier": "Edm.Guid", "Lookup": "Edm.Guid", "Customer": "Edm.Guid",
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	const ns = "Microsoft.Dynamics.CRM"
	doc := edmx{Version: "4.0", XmlnsEdmx: "http://docs.oasis-open.org/odata/ns/edmx"}
	sc := &doc.DataServices.Schema
	sc.Xmlns, sc.Namespace, sc.Alias = "http://docs.oasis-open.org/odata/ns/edm", ns, crmAlias
	sc.Container.Name = "System"
	// A navigation property names an entity type this document defines.
	defined := map[string]bool{}
	for _, t := range tables {
		defined[t.Name] = true
	}
	// The process records' sets, read-only; their rows expand too.
	for _, set := range slices.Sorted(maps.Keys(processTables)) {
		tables = append(tables, processTables[set])
		defined[processTables[set].Name] = true
	}
	nav := func(et *edmEntityType, name, target string) {
		if defined[target] {
			et.Navigation = append(et.Navigation, edmNavigation{Name: name, Type: "mscrm." + target})
		}
	}
	for _, t := range tables {
		d := definitionOf(t)
		et := edmEntityType{Name: d.LogicalName}
		et.Key.PropertyRef.Name = d.PrimaryIdAttribute
		for _, a := range d.Attributes {
			typ, ok := edmTypes[a.AttributeType]
			if !ok {
				typ = "Edm.String"
			}
			if a.dateOnly() {
				typ = "Edm.Date" // as Dataverse types a date-only column
			}
			name := a.LogicalName
			if a.AttributeType == "Lookup" || a.AttributeType == "Customer" {
				name = "_" + name + "_value"
				// The navigation properties $expand takes: the lookup's
				// name, or one per target of a customer lookup.
				if len(a.Targets) == 1 {
					nav(&et, a.LogicalName, a.Targets[0])
				} else {
					for _, tg := range a.Targets {
						nav(&et, a.LogicalName+"_"+tg, tg)
					}
				}
			}
			et.Properties = append(et.Properties, edmProperty{Name: name, Type: typ})
		}
		sc.EntityTypes = append(sc.EntityTypes, et)
		sc.Container.Sets = append(sc.Container.Sets, edmEntity{Name: d.EntitySetName, EntityType: "mscrm." + d.LogicalName})
	}
	ops := declaredOperations
	sc.ComplexTypes, sc.Functions, sc.Actions = ops.complexTypes, ops.functions, ops.actions
	sc.Container.FunctionImports, sc.Container.ActionImports = ops.functionImports, ops.actionImports
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("OData-Version", "4.0")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(xml.Header))
	w.Write(b)
	w.Write([]byte("\n"))
}

// complexTypes are the types of the operations' answers and parameters
// that are no EDM primitive. Dataverse's responses list their properties
// (functions.go writes them); bpfc's own are open types, their JSON that
// of the Go type named beside them, as the run-time commands print it with
// --output json.
var complexTypes = []edmComplexType{
	{Name: "WhoAmIResponse", Properties: []edmProperty{
		{Name: "BusinessUnitId", Type: "Edm.Guid"}, {Name: "UserId", Type: "Edm.Guid"}, {Name: "OrganizationId", Type: "Edm.Guid"},
	}},
	{Name: "RetrieveActivePathResponse", Properties: []edmProperty{{Name: "ProcessStages", Type: "Collection(mscrm.bpfc_ActivePathStage)"}}},
	{Name: "bpfc_ActivePathStage", Properties: []edmProperty{
		{Name: "processstageid", Type: "Edm.Guid"}, {Name: "stagename", Type: "Edm.String"}, {Name: "uniquename", Type: "Edm.String"},
		{Name: "stagecategory", Type: "Edm.Int32"}, {Name: "primaryentitytypecode", Type: "Edm.String"},
		{Name: "_processid_value", Type: "Edm.Guid"}, {Name: "isactive", Type: "Edm.Boolean"}, {Name: "versionnumber", Type: "Edm.Int64"},
	}},
	{Name: "RetrieveProcessInstancesResponse", Properties: []edmProperty{{Name: "Processes", Type: "Collection(mscrm.bpfc_ProcessInstance)"}}},
	{Name: "bpfc_ProcessInstance", Properties: []edmProperty{
		{Name: "businessprocessflowinstanceid", Type: "Edm.Guid"}, {Name: "processinstanceid", Type: "Edm.Guid"},
		{Name: "name", Type: "Edm.String"}, {Name: "_processid_value", Type: "Edm.Guid"}, {Name: "processstageid", Type: "Edm.Guid"},
		{Name: "_processstageid_value", Type: "Edm.Guid"},
		{Name: "_activestageid_value", Type: "Edm.Guid"}, {Name: "statecode", Type: "Edm.Int32"}, {Name: "statuscode", Type: "Edm.Int32"},
		{Name: "traversedpath", Type: "Edm.String"}, {Name: "entitylogicalname", Type: "Edm.String"},
		{Name: "uniquename", Type: "Edm.String"}, {Name: "modifiedon", Type: "Edm.DateTimeOffset"},
	}},
	{Name: "bpfc_Instance", OpenType: true},               // engine.Instance
	{Name: "bpfc_ActionRun", OpenType: true},              // ActionRun
	{Name: "bpfc_Report", OpenType: true},                 // report.Report
	{Name: "bpfc_Job", OpenType: true},                    // store.Job
	{Name: "bpfc_Email", OpenType: true},                  // store.Email
	{Name: "bpfc_User", OpenType: true},                   // UserInfo
	{Name: "bpfc_DeployResult", OpenType: true},           // deploy.Result
	{Name: "bpfc_Plan", OpenType: true},                   // deploy.Plan
	{Name: "bpfc_ExportSolutionResponse", OpenType: true}, // ExportResponse
	{Name: "bpfc_Settings", OpenType: true},               // ImportRequest.Settings and Secrets: values by variable schema name
}

// declaredOperations is what $metadata declares of the operations, the
// same in every answer.
var declaredOperations = declare(operations, complexTypes)

type declarations struct {
	complexTypes       []edmComplexType
	functions, actions []edmOperation
	functionImports    []edmFunctionImport
	actionImports      []edmActionImport
}

// declare writes the operations and complex types as CSDL, sorted by name.
func declare(ops []operation, types []edmComplexType) declarations {
	var d declarations
	d.complexTypes = slices.Clone(types)
	for _, op := range ops {
		o := edmOperation{Name: op.Name, ReturnType: edmReturnType{Type: op.Returns, Nullable: "false"}}
		for _, p := range op.Params {
			ep := edmParameter{Name: p.Name, Type: p.Type}
			if !p.Optional {
				ep.Nullable = "false"
			}
			o.Parameters = append(o.Parameters, ep)
		}
		if op.Action {
			d.actions = append(d.actions, o)
			d.actionImports = append(d.actionImports, edmActionImport{Name: op.Name, Action: "mscrm." + op.Name})
		} else {
			d.functions = append(d.functions, o)
			d.functionImports = append(d.functionImports, edmFunctionImport{Name: op.Name, Function: "mscrm." + op.Name})
		}
	}
	slices.SortFunc(d.complexTypes, func(a, b edmComplexType) int { return cmp.Compare(a.Name, b.Name) })
	byName := func(a, b edmOperation) int { return cmp.Compare(a.Name, b.Name) }
	slices.SortFunc(d.functions, byName)
	slices.SortFunc(d.actions, byName)
	slices.SortFunc(d.functionImports, func(a, b edmFunctionImport) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(d.actionImports, func(a, b edmActionImport) int { return cmp.Compare(a.Name, b.Name) })
	return d
}
