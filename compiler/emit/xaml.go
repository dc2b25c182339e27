package emit

import (
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// ExtensionNamespace is the XML namespace of bpfc's extensions to Dataverse XAML
// (prefix bpfc). Documents that use it also declare it mc:Ignorable, so
// Dataverse's XAML reader skips every element and attribute in it. The
// extension is only ever written in XAML: .xaml.data.xml, customizations.xml
// and Entity.xml are not XAML and have no Ignorable mechanism.
//
// Names, which the archive otherwise keeps only as ids derived from them
// (compiler.ID) or not at all, are carried on every process so that unpack
// gives them back exactly. Dataverse loses nothing by skipping them, so they
// are no DataverseWarnings entry:
//
//   - bpfc:Name="<flow>" and, when set, bpfc:Owner="<text>" (the flow's owner,
//     plain text) on the root Activity of a business process flow or task
//     flow; bpfc:Name="<stage>" on each StageComposite and bpfc:Name="<step>"
//     on each StepComposite.
//   - bpfc:Name="<workflow>" on the root Activity of a classic workflow, and
//     bpfc:Name="<step>" on the outermost activity of each of its steps (the
//     ConditionSequence of a step with a condition, else its Sequence,
//     mxswa:SetState, bpfc:Webhook or bpfc:SetState).
//
// Constructs Dataverse cannot encode are each one DataverseWarnings entry
// (expression texts are bpfc source, compiler.FormatExpr):
//
//   - bpfc:Condition="<expr>" on a ConditionBranch whose condition Dataverse cannot
//     encode (var.<name>, mixed && and ||, contains/startswith/endswith, a negation
//     other than of a null test); the branch's own Condition is then False.
//   - bpfc:Value="<expr>" on a SetEntityProperty, bpfc:Owner="<expr>" on an
//     AssignEntity: a value Dataverse cannot compute (var.<name>, an expression);
//     the variable it reads is left unassigned.
//   - bpfc:To / bpfc:Cc="<expr>" on a SendEmail: recipients given as addresses.
//   - bpfc:Timeout="72h" on a wait condition (WaitStep).
//   - <bpfc:Webhook DisplayName="WebhookStepN" Url="<expr>"/>: a webhook step.
//   - <bpfc:SetState DisplayName="SetStateStepN" EntityName="<table>" Status="<expr>"/>:
//     a change_status whose status reason bpfc cannot resolve to a state and status.
const ExtensionNamespace = "urn:bpfc:extensions:1"

const (
	nsMarkupCompat = "http://schemas.openxmlformats.org/markup-compatibility/2006"
	crmWorkflowAsm = "Microsoft.Crm.Workflow, Version=9.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"
	primaryEntity  = `[InputEntities("primaryEntity")]`
	languageCode   = "1033"
)

// xamlNamespaces lists every prefix bpfc writes, sorted by prefix as Dataverse
// declares them. A document declares the ones it uses (see declareNamespaces).
var xamlNamespaces = []struct{ prefix, uri string }{
	{"bpfc", ExtensionNamespace},
	{"mc", nsMarkupCompat},
	{"mcwb", "clr-namespace:Microsoft.Crm.Workflow.BusinessProcessFlowActivities;assembly=" + crmWorkflowAsm},
	{"mcwc", "clr-namespace:Microsoft.Crm.Workflow.ClientActivities;assembly=" + crmWorkflowAsm},
	{"mcwo", "clr-namespace:Microsoft.Crm.Workflow.ObjectModel;assembly=Microsoft.Crm, Version=9.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"},
	{"mva", "clr-namespace:Microsoft.VisualBasic.Activities;assembly=System.Activities, Version=4.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"},
	{"mxs", "clr-namespace:Microsoft.Xrm.Sdk;assembly=Microsoft.Xrm.Sdk, Version=9.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"},
	{"mxsq", "clr-namespace:Microsoft.Xrm.Sdk.Query;assembly=Microsoft.Xrm.Sdk, Version=9.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"},
	{"mxswa", "clr-namespace:Microsoft.Xrm.Sdk.Workflow.Activities;assembly=Microsoft.Xrm.Sdk.Workflow, Version=9.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"},
	{"s", "clr-namespace:System;assembly=mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"},
	{"scg", "clr-namespace:System.Collections.Generic;assembly=mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"},
	{"sco", "clr-namespace:System.Collections.ObjectModel;assembly=mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"},
	{"srs", "clr-namespace:System.Runtime.Serialization;assembly=System.Runtime.Serialization, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"},
	{"this", "clr-namespace:"},
	{"x", "http://schemas.microsoft.com/winfx/2006/xaml"},
}

// xamlDoc is a workflow XAML document under construction.
type xamlDoc struct {
	doc  *etree.Document
	root *etree.Element
	wf   *etree.Element // mxswa:Workflow
	n    int            // DisplayName counter, in document order
}

// newXAML starts a document with the Activity root, its members and the
// VisualBasic settings, the frame every Dataverse process XAML shares. id is the
// process id; "" writes the all-zero class name of templates.
func newXAML(id string) *xamlDoc {
	class := "XrmWorkflow" + strings.ReplaceAll(id, "-", "")
	if id == "" {
		class = "XrmWorkflow" + strings.Repeat("0", 32)
	}
	d := &xamlDoc{doc: etree.NewDocument()}
	d.root = d.doc.CreateElement("Activity")
	d.root.CreateAttr("x:Class", class)
	members := d.root.CreateElement("x:Members")
	for _, name := range []string{"InputEntities", "CreatedEntities"} {
		el(members, "x:Property", "Name", name, "Type", "InArgument(scg:IDictionary(x:String, mxs:Entity))")
	}
	for _, name := range []string{"InputEntities", "CreatedEntities"} {
		prop := d.root.CreateElement("this:" + class + "." + name)
		el(prop, "InArgument", "x:TypeArguments", "scg:IDictionary(x:String, mxs:Entity)")
	}
	d.root.CreateElement("mva:VisualBasic.Settings").SetText("Assembly references and imported namespaces for internal implementation")
	d.wf = d.root.CreateElement("mxswa:Workflow")
	return d
}

// next returns the next DisplayName number.
func (d *xamlDoc) next() int {
	d.n++
	return d.n
}

// step returns a DisplayName such as "StageStep4".
func (d *xamlDoc) step(kind string) string { return kind + "Step" + strconv.Itoa(d.next()) }

// finish declares the namespaces the document uses and sets its write settings.
func (d *xamlDoc) finish() *etree.Document {
	declareNamespaces(d.root)
	return finish(d.doc)
}

// carryName writes the bpfc:Name extension attribute: a component's bpfc name,
// which Dataverse skips and unpack reads back.
func carryName(e *etree.Element, name string) {
	e.CreateAttr("bpfc:Name", name)
}

// declareNamespaces adds xmlns declarations to root for exactly the prefixes
// its tree uses (plus srs, which Dataverse always declares), sorted by prefix,
// and marks the bpfc extension ignorable when it is used. The root's own bpfc
// attributes move after the declarations.
func declareNamespaces(root *etree.Element) {
	used := map[string]bool{"srs": true, "x": true}
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		used[e.Space] = true
		for _, a := range e.Attr {
			used[a.Space] = true
			if a.Key == "TypeArguments" || a.Key == "Type" || (e.Tag == "ReferenceLiteral" && a.Key == "Value") {
				for p := range typePrefixes(a.Value) {
					used[p] = true
				}
			}
		}
		// The iterator, not ChildElements: that allocates a slice per
		// element, and a long condition's XAML has hundreds of thousands.
		for c := range e.ChildElementsSeq() {
			walk(c)
		}
	}
	walk(root)
	if used["bpfc"] {
		used["mc"] = true
	}
	var own []etree.Attr
	for _, a := range slices.Clone(root.Attr) {
		if a.Space == "bpfc" {
			own = append(own, a)
			root.RemoveAttr(a.FullKey())
		}
	}
	root.CreateAttr("xmlns", "http://schemas.microsoft.com/netfx/2009/xaml/activities")
	for _, ns := range xamlNamespaces {
		if used[ns.prefix] {
			root.CreateAttr("xmlns:"+ns.prefix, ns.uri)
		}
	}
	if used["bpfc"] {
		root.CreateAttr("mc:Ignorable", "bpfc")
	}
	for _, a := range own {
		root.CreateAttr(a.FullKey(), a.Value)
	}
}

// typePrefixes yields the namespace prefixes in a XAML type reference such as
// "scg:IDictionary(x:String, mxs:Entity)", without collecting them: every
// variable and argument of a document has one.
func typePrefixes(v string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for f := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == '(' || r == ')' || r == ',' || r == ' ' }) {
			if i := strings.IndexByte(f, ':'); i > 0 && !yield(f[:i]) {
				return
			}
		}
	}
}

// finish sets the write settings that keep quotes unescaped in text. It does
// not indent: the solution package's writer indents as it writes and drops
// whitespace between elements, so indentation tokens built here (a fifth of
// a build's allocations, and a whitespace token per element held in memory)
// were thrown away.
func finish(doc *etree.Document) *etree.Document {
	doc.WriteSettings.CanonicalText = true
	doc.WriteSettings.CanonicalAttrVal = true
	return doc
}

// el adds a child element with attributes given as name, value pairs, in order.
func el(parent *etree.Element, tag string, attrs ...string) *etree.Element {
	e := parent.CreateElement(tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		e.CreateAttr(attrs[i], attrs[i+1])
	}
	return e
}

// textEl adds a child element holding text. Empty text is written with an
// explicit end tag (<a></a>), as Dataverse writes empty values.
func textEl(parent *etree.Element, tag, text string, attrs ...string) *etree.Element {
	e := el(parent, tag, attrs...)
	if text == "" {
		e.AddChild(etree.NewText(""))
	} else {
		e.SetText(text)
	}
	return e
}

// activityRef adds an mxswa:ActivityReference naming a Microsoft.Crm.Workflow class.
func activityRef(parent *etree.Element, class, displayName string) *etree.Element {
	if !strings.Contains(class, ".") {
		class = "Microsoft.Crm.Workflow.Activities." + class
	}
	return el(parent, "mxswa:ActivityReference", "AssemblyQualifiedName", class+", "+crmWorkflowAsm, "DisplayName", displayName)
}

// refProps and refArgs add the property and argument sections of an ActivityReference.
func refProps(ref *etree.Element) *etree.Element {
	return ref.CreateElement("mxswa:ActivityReference.Properties")
}

func refArgs(ref *etree.Element) *etree.Element {
	return ref.CreateElement("mxswa:ActivityReference.Arguments")
}

// collection adds an sco:Collection such as the Variables or Activities of a composite.
func collection(parent *etree.Element, typeArg, key string) *etree.Element {
	return el(parent, "sco:Collection", "x:TypeArguments", typeArg, "x:Key", key)
}

// composite adds the Variables and Activities collections of a composite's
// properties and returns them.
func composite(props *etree.Element) (vars, acts *etree.Element) {
	return collection(props, "Variable", "Variables"), collection(props, "Activity", "Activities")
}

func xString(parent *etree.Element, key, text string) *etree.Element {
	return textEl(parent, "x:String", text, "x:Key", key)
}

func xBool(parent *etree.Element, key string, v bool) *etree.Element {
	return textEl(parent, "x:Boolean", boolText(v), "x:Key", key)
}

func xNull(parent *etree.Element, key string) *etree.Element {
	return el(parent, "x:Null", "x:Key", key)
}

func inArg(parent *etree.Element, typeArg, key, text string) *etree.Element {
	return textEl(parent, "InArgument", text, "x:TypeArguments", typeArg, "x:Key", key)
}

func outArg(parent *etree.Element, typeArg, key, text string) *etree.Element {
	return textEl(parent, "OutArgument", text, "x:TypeArguments", typeArg, "x:Key", key)
}

// typeLiteral adds <InArgument x:TypeArguments="s:Type"><mxswa:ReferenceLiteral .../>,
// naming typ, or x:Null when typ is "".
func typeLiteral(parent *etree.Element, key, typ string) *etree.Element {
	arg := el(parent, "InArgument", "x:TypeArguments", "s:Type")
	if key != "" {
		arg.CreateAttr("x:Key", key)
	}
	if typ == "" {
		lit := el(arg, "mxswa:ReferenceLiteral", "x:TypeArguments", "s:Type")
		lit.CreateElement("x:Null")
	} else {
		el(arg, "mxswa:ReferenceLiteral", "x:TypeArguments", "s:Type", "Value", typ)
	}
	return arg
}

func boolText(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// quoted writes an expression-argument string literal: quotes doubled, as in
// Visual Basic, and commas encoded as &#44; as the process designer writes them
// (Dataverse splits the parameter array on commas before reading the strings).
func quoted(s string) string {
	s = strings.ReplaceAll(s, `"`, `""`)
	s = strings.ReplaceAll(s, ",", "&#44;")
	return `"` + s + `"`
}

// ref wraps a variable name as an expression: [name].
func ref(name string) string { return "[" + name + "]" }

// created is a CreatedEntities("...") expression.
func created(key string) string { return `[CreatedEntities("` + key + `")]` }
