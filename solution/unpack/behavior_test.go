package unpack

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// TestReadDateBehavior: a datetime attribute's Behavior, by number as
// Customizations.xml writes it or by DateTimeBehavior's name; user local
// and what bpfc does not know are the default.
func TestReadDateBehavior(t *testing.T) {
	for in, want := range map[string]string{
		"1": "", "2": compiler.BehaviorDateOnly, "3": compiler.BehaviorTimeZoneIndependent,
		"DateOnly": compiler.BehaviorDateOnly, "TimeZoneIndependent": compiler.BehaviorTimeZoneIndependent,
		"UserLocal": "", "": "", "7": "",
	} {
		doc := etree.NewDocument()
		if err := doc.ReadFromString(`<attribute PhysicalName="new_Born"><Type>datetime</Type><LogicalName>new_born</LogicalName>` +
			`<Format>date</Format><Behavior>` + in + `</Behavior></attribute>`); err != nil {
			t.Fatal(err)
		}
		ai := readAttribute(doc.Root())
		if ai.behavior != want || columnType(ai) != compiler.TypeDateTime {
			t.Errorf("Behavior %q: %q (%s), want %q", in, ai.behavior, columnType(ai), want)
		}
	}
}
