package emit

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
)

// TestIDsAsDataverseWrites: an id typed in braces or upper case, in a
// condition, a value a step writes or an owner, is written as Dataverse
// writes every GUID of its XAML: lower case, without braces (and the
// condition's text in the branch's description says it so too).
func TestIDsAsDataverseWrites(t *testing.T) {
	src := `solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "pp" }
}
workflow "w" {
  table = "lead"
  step "link" { update = { parentcontactid = "{3B7FBD35-5ADC-516C-9DC0-1E40C9927081}" } }
  step "give" { assign = { owner = "3B7FBD35-5ADC-516C-9DC0-1E40C9927082" } }
}
flow "f" {
  primary_table = "lead"
  stage "a" {
    on_exit = [workflow.w]
    branch {
      when = self.parentcontactid == "{3b7fbd35-5adc-516c-9dc0-1e40c9927083}"
      next = stage.c
    }
  }
  stage "b" {}
  stage "c" {}
}
`
	p, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var xaml strings.Builder
	for _, doc := range []interface{ WriteToString() (string, error) }{FlowXAML(p, p.Flow("f")), WorkflowXAML(p, p.Workflow("w"))} {
		s, err := doc.WriteToString()
		if err != nil {
			t.Fatal(err)
		}
		xaml.WriteString(s)
	}
	got := regexp.MustCompile(`(?i)\{?3b7fbd35-5adc-516c-9dc0-1e40c992708\d\}?`).FindAllString(xaml.String(), -1)
	want := []string{
		"3b7fbd35-5adc-516c-9dc0-1e40c9927083", "3b7fbd35-5adc-516c-9dc0-1e40c9927083", // the branch's value and its description
		"3b7fbd35-5adc-516c-9dc0-1e40c9927081", "3b7fbd35-5adc-516c-9dc0-1e40c9927082"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids in the XAML differ (-want +got):\n%s", diff)
	}
}
