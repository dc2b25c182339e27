package solution

import (
	"slices"

	"github.com/beevik/etree"
)

// customizationSections are the children of customizations.xml's
// ImportExportXml in the order Dataverse writes them (the conformance exports;
// sections bpfc never fills, such as AppModules or CanvasApps, slot in where
// those exports have them when a packed tree brings them).
var customizationSections = []string{
	"Entities", "Roles", "Workflows", "FieldSecurityProfiles", "Templates", "EntityMaps",
	"EntityRelationships", "OrganizationSettings", "optionsets", "CustomControls",
	"AppModuleSiteMaps", "AppModules", "EntityDataProviders", "CanvasApps",
	"connectionreferences", "Languages",
}

// skeletonSections are the sections of a customizations.xml without apps,
// canvas apps or connection references.
var skeletonSections = []string{
	"Entities", "Roles", "Workflows", "FieldSecurityProfiles", "Templates", "EntityMaps",
	"EntityRelationships", "OrganizationSettings", "optionsets", "CustomControls",
	"EntityDataProviders", "Languages",
}

// CustomizationsXML builds the unpacked tree's Other/Customizations.xml: every
// section empty, as SolutionPackager leaves it when tables, roles and workflows
// live in their own files, and the solution's one language (1033).
func CustomizationsXML() *etree.Document {
	doc, root := newDoc("ImportExportXml", "xmlns:xsi", xsiNamespace)
	for _, s := range skeletonSections {
		e := elem(root, s)
		if s == "Languages" {
			textElem(e, "Language", languageCode)
		}
	}
	return doc
}

// section returns the named child of a customizations.xml root, creating it in
// Dataverse's order when it is missing.
func section(root *etree.Element, name string) *etree.Element {
	if e := root.SelectElement(name); e != nil {
		return e
	}
	rank := slices.Index(customizationSections, name)
	e := etree.NewElement(name)
	for _, c := range root.ChildElements() {
		if r := slices.Index(customizationSections, c.Tag); r > rank {
			root.InsertChildAt(c.Index(), e)
			return e
		}
	}
	root.AddChild(e)
	return e
}

// adopt prepares the root of a split file for its place inside
// customizations.xml: a copy without the xmlns:xsi declaration that the
// enclosing ImportExportXml already makes.
func adopt(e *etree.Element) *etree.Element {
	c := e.Copy()
	if a := c.SelectAttr("xmlns:xsi"); a != nil && a.Value == xsiNamespace {
		c.RemoveAttr("xmlns:xsi")
	}
	return c
}
