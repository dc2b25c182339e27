package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIdentities: a process whose id differs between the sides is a
// change (Dataverse would add a second process), in an archive's
// customizations.xml and in a tree's data files alike; a process on one
// side only, or whose id differs only in case or braces, is not.
func TestIdentities(t *testing.T) {
	cust := func(ws string) []byte {
		return []byte("<ImportExportXml><Workflows>" + ws + "</Workflows></ImportExportXml>")
	}
	flow := func(id string) string {
		return `<Workflow WorkflowId="{` + id + `}" Name="Deal"><Category>4</Category><UniqueName>cts_deal</UniqueName></Workflow>`
	}
	wf := `<Workflow WorkflowId="{aaaaaaaa-0000-4000-8000-000000000001}" Name="Notify"><Category>0</Category></Workflow>`
	old := map[string][]byte{"customizations.xml": cust(flow("11111111-0000-4000-8000-000000000001") + wf)}
	tree := map[string][]byte{
		"Other/Customizations.xml":            cust(""),
		"Workflows/Deal-2222.xaml.data.xml":   []byte(flow("22222222-0000-4000-8000-000000000002")),
		"Workflows/Notify-AAAA.xaml.data.xml": []byte(`<Workflow WorkflowId="{AAAAAAAA-0000-4000-8000-000000000001}" Name="Notify"><Category>0</Category></Workflow>`),
	}
	want := []Change{{Kind: "flow", Name: "Deal", Change: Changed, Field: "id", Old: "11111111-0000-4000-8000-000000000001", New: "22222222-0000-4000-8000-000000000002"}}
	if d := cmp.Diff(want, identities(old, tree)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got := identities(old, map[string][]byte{"customizations.xml": cust("")}); len(got) != 0 {
		t.Errorf("a process on one side only: %v", got)
	}
}
