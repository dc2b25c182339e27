package emit

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
)

const (
	nsXSI = "http://www.w3.org/2001/XMLSchema-instance"
	// introducedVersion is written for every component: bpfc has no history of
	// which solution version introduced it, and a constant keeps builds stable.
	introducedVersion = "1.0.0.0"
)

// FileName is the base name of a process's files: the display name without
// anything but letters, digits, '-' and '_', cut to 50 characters, then '-' and
// the id in upper case (PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400).
func FileName(displayName, id string) string {
	var b []rune
	for _, r := range displayName {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			b = append(b, r)
		}
	}
	if len(b) > 50 {
		b = b[:50]
	}
	return string(b) + "-" + strings.ToUpper(strings.Trim(id, "{}"))
}

// FlowData returns the .xaml.data.xml record of a business process flow or
// task flow (Category 4): its workflow row and the labels of its stages and steps.
func FlowData(p *compiler.Project, f *compiler.Flow) *etree.Document {
	id := p.FlowID(f)
	bpfType, onCreate := "0", "1"
	if f.Type == compiler.FlowTask {
		bpfType, onCreate = "1", "0" // a task flow is started by the user, not on create
	}
	state, status := "0", "1"
	if f.Active {
		state, status = "1", "2"
	}
	doc, wf := workflowRecord(id, f.DisplayName)
	for _, kv := range [][2]string{
		{"Type", "1"}, {"Subprocess", "0"}, {"Category", "4"}, {"Mode", "0"}, {"Scope", "4"}, {"OnDemand", "0"},
		{"TriggerOnCreate", onCreate}, {"TriggerOnDelete", "0"}, {"AsyncAutodelete", "0"}, {"SyncWorkflowLogOnFailure", "0"},
		{"StateCode", state}, {"StatusCode", status}, {"processorder", strconv.Itoa(f.Order)}, {"RunAs", "1"},
		{"UniqueName", f.InstanceTable}, {"IsTransacted", "1"}, {"IntroducedVersion", introducedVersion}, {"IsCustomizable", "1"},
		{"BusinessProcessType", bpfType}, {"IsCustomProcessingStepAllowedForOtherPublishers", "1"}, {"ProcessTriggerScope", "1"},
		{"PrimaryEntity", TableSchemaName(f.PrimaryTable)},
	} {
		textEl(wf, kv[0], kv[1])
	}
	names(wf, f.DisplayName, f.Description)
	labels := wf.CreateElement("labels")
	for _, s := range f.Stages {
		stepLabel(labels, p.StageID(f, s), s.DisplayName)
		for _, st := range s.Steps {
			stepLabel(labels, p.StepID(f, s, st), st.DisplayName)
		}
	}
	return finish(doc)
}

// WorkflowData returns the .xaml.data.xml record of a classic workflow
// (Category 0): on demand, so stages and action steps can run it, activated,
// Mode 1 when realtime, and a child process when another workflow starts it.
func WorkflowData(p *compiler.Project, w *compiler.Workflow) *etree.Document {
	mode := "0"
	if w.Mode == compiler.ModeRealtime {
		mode = "1"
	}
	subprocess := "0"
	if startedByWorkflow(p, w.Name) {
		subprocess = "1"
	}
	doc, wf := workflowRecord(p.WorkflowID(w), displayName(w))
	for _, kv := range [][2]string{
		{"Type", "1"}, {"Subprocess", subprocess}, {"Category", "0"}, {"Mode", mode}, {"Scope", "4"}, {"OnDemand", "1"},
		{"TriggerOnCreate", "0"}, {"TriggerOnDelete", "0"}, {"AsyncAutodelete", "0"}, {"SyncWorkflowLogOnFailure", "0"},
		{"StateCode", "1"}, {"StatusCode", "2"}, {"RunAs", "1"}, {"IsTransacted", "1"},
		{"IntroducedVersion", introducedVersion}, {"IsCustomizable", "1"}, {"BusinessProcessType", "0"},
		{"IsCustomProcessingStepAllowedForOtherPublishers", "1"}, {"PrimaryEntity", w.Table},
	} {
		textEl(wf, kv[0], kv[1])
	}
	names(wf, displayName(w), "")
	return finish(doc)
}

// workflowRecord starts a <Workflow> record and writes its XamlFileName.
func workflowRecord(id, name string) (*etree.Document, *etree.Element) {
	doc := etree.NewDocument()
	wf := el(&doc.Element, "Workflow", "WorkflowId", "{"+id+"}", "Name", name, "xmlns:xsi", nsXSI)
	textEl(wf, "XamlFileName", "/Workflows/"+FileName(name, id)+".xaml")
	return doc, wf
}

func names(wf *etree.Element, name, description string) {
	el(wf.CreateElement("LocalizedNames"), "LocalizedName", "languagecode", languageCode, "description", name)
	if description != "" {
		el(wf.CreateElement("Descriptions"), "Description", "languagecode", languageCode, "description", description)
	}
}

func stepLabel(labels *etree.Element, id, description string) {
	sl := el(labels, "steplabels", "id", "{"+id+"}")
	el(sl, "label", "languagecode", languageCode, "description", description)
}

func displayName(w *compiler.Workflow) string {
	if w.DisplayName != "" {
		return w.DisplayName
	}
	return w.Name
}

// startedByWorkflow reports whether a start_workflow step of any workflow starts name.
func startedByWorkflow(p *compiler.Project, name string) bool {
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			if st.Kind == compiler.StepStartWorkflow && st.Workflow == name {
				return true
			}
		}
	}
	return false
}

// TableSchemaName is a table's schema name (PrimaryEntity casing): the
// catalog's for standard tables, else the publisher prefix kept and the
// rest capitalized after each underscore ("cts_project" -> "cts_Project",
// as Dataverse names a table created as "Project").
func TableSchemaName(name string) string {
	if t, ok := catalog.Lookup(name); ok {
		return t.SchemaName
	}
	return schemaCase(name)
}

// schemaCase keeps a name's publisher prefix and capitalizes each word after it.
func schemaCase(name string) string {
	prefix, rest, ok := strings.Cut(name, "_")
	if !ok {
		return name
	}
	return prefix + "_" + titleUnderscored(rest)
}
