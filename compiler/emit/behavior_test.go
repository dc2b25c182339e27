package emit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
)

// behaviorGolden holds the <attribute> elements of datetime columns of each
// behavior, as Dataverse exports them (Format date and Behavior 2 for date
// only, Behavior 3 for time-zone independent). It is apart from the golden
// tree of the test project, which uses no behavior and stays as it was.
const behaviorGolden = "../../testdata/emit_behavior/attributes.xml"

func TestDateBehaviorAttributes(t *testing.T) {
	tp := newTestProject()
	table := tp.p.Table("cts_project")
	for _, c := range []compiler.Column{
		{Name: "cts_due", DisplayName: "Due", Type: compiler.TypeDateTime},
		{Name: "cts_birthday", DisplayName: "Birthday", Type: compiler.TypeDateTime, Behavior: compiler.BehaviorDateOnly},
		{Name: "cts_checkin", DisplayName: "Check-in", Type: compiler.TypeDateTime, Behavior: compiler.BehaviorTimeZoneIndependent},
	} {
		c.Table = table.Name
		table.Columns = append(table.Columns, &c)
	}
	var entity *etree.Document
	for _, f := range Files(tp.p) {
		if f.Path == "Entities/cts_Project/Entity.xml" {
			entity = f.Doc
		}
	}
	if entity == nil {
		t.Fatal("no Entities/cts_Project/Entity.xml")
	}
	var got strings.Builder
	for _, name := range []string{"cts_due", "cts_birthday", "cts_checkin"} {
		a := entity.FindElement("//attribute[LogicalName='" + name + "']")
		if a == nil {
			t.Fatalf("no attribute %s in Entity.xml", name)
		}
		doc := etree.NewDocument()
		doc.SetRoot(a.Copy())
		doc.Indent(2)
		s, err := doc.WriteToString()
		if err != nil {
			t.Fatal(err)
		}
		got.WriteString(s + "\n")
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(behaviorGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(behaviorGolden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(behaviorGolden)
	if err != nil {
		t.Fatalf("reading %s (run go test ./compiler/emit -update): %v", behaviorGolden, err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("datetime attributes differ from %s (-want +got):\n%s", behaviorGolden, diff)
	}
}
