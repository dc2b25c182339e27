package webapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Complex values that Dataverse's metadata shares between its types: the
// Label of a display name or option, and the managed RequiredLevel of a
// column.

// Label is Dataverse's Label: the text in each language and in the
// caller's. bpfc's are en-US (1033) only, so UserLocalizedLabel repeats
// the one LocalizedLabel.
type Label struct {
	LocalizedLabels    []LocalizedLabel `json:"LocalizedLabels"`
	UserLocalizedLabel *LocalizedLabel  `json:"UserLocalizedLabel"`
}

// Text is the label's text in the caller's language, else its first; ""
// for none.
func (l Label) Text() string {
	if l.UserLocalizedLabel != nil {
		return l.UserLocalizedLabel.Label
	}
	if len(l.LocalizedLabels) > 0 {
		return l.LocalizedLabels[0].Label
	}
	return ""
}

// LocalizedLabel is one language's text of a Label.
type LocalizedLabel struct {
	Label        string `json:"Label"`
	LanguageCode int    `json:"LanguageCode"`
	IsManaged    bool   `json:"IsManaged"`
	MetadataId   string `json:"MetadataId"`
	HasChanged   *bool  `json:"HasChanged"` // null, as Dataverse answers for labels it has not changed
}

// labelOf is the Label of an en-US text, whose MetadataId is id; no
// labels for no text, as Dataverse answers an unlabelled property.
func labelOf(text, id string) Label {
	if text == "" {
		return Label{LocalizedLabels: []LocalizedLabel{}}
	}
	l := LocalizedLabel{Label: text, LanguageCode: 1033, MetadataId: id}
	return Label{LocalizedLabels: []LocalizedLabel{l}, UserLocalizedLabel: &l}
}

// RequiredLevel is Dataverse's AttributeRequiredLevelManagedProperty:
// whether a column must have a value, and whether a customizer may change
// that.
type RequiredLevel struct {
	Value                      string `json:"Value"` // None, SystemRequired, ApplicationRequired or Recommended
	CanBeChanged               bool   `json:"CanBeChanged"`
	ManagedPropertyLogicalName string `json:"ManagedPropertyLogicalName"`
}

// requiredLevelOf is column c's RequiredLevel in table t as bpfc's
// solutions write it (compiler/emit): the key, ownerid and statecode the
// platform fills are SystemRequired (only the key's level fixed); a
// required column, and a custom table's primary name, ApplicationRequired
// ("business required"); any other None. bpfc has no Recommended columns.
func requiredLevelOf(t store.Table, c store.Column) RequiredLevel {
	rl := RequiredLevel{Value: "None", CanBeChanged: true, ManagedPropertyLogicalName: "canmodifyrequirementlevelsettings"}
	switch {
	case c.Name == t.PrimaryKey:
		rl.Value, rl.CanBeChanged = "SystemRequired", false
	case c.System && (c.Name == "ownerid" || c.Name == "statecode"):
		rl.Value = "SystemRequired"
	case c.Required || (t.Kind == store.TableCustom && c.Name == t.PrimaryColumn):
		rl.Value = "ApplicationRequired"
	}
	return rl
}

// unknownProperty is the 400 of a property that metadata of type typ
// (without the namespace) has not, in Dataverse's words, with the one
// of known most likely meant or, failing one, all of them.
func unknownProperty(p, typ string, known []string) error {
	msg := fmt.Sprintf("Could not find a property named '%s' on type '%s%s'", p, crmNS, typ)
	if best := closestFold(p, known); best != "" {
		return badRequest("%s (did you mean %s?)", msg, best)
	}
	if len(known) > 0 {
		return badRequest("%s (bpfc's have %s)", msg, strings.Join(known, ", "))
	}
	return badRequest("%s", msg)
}

// closestFold is the name of known most likely meant by p, whatever the
// case of either: metadata's names are PascalCase, and a typo should not
// count the case of every letter as another edit.
func closestFold(p string, known []string) string {
	lower := make([]string, len(known))
	for i, k := range known {
		lower[i] = strings.ToLower(k)
	}
	if i := slices.Index(lower, compiler.ClosestName(strings.ToLower(p), lower)); i >= 0 {
		return known[i]
	}
	return ""
}
