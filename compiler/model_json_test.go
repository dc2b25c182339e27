package compiler_test

import (
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/bpfc/bpfc/compiler"
)

// TestModelRoundTrip encodes each example, decodes it and encodes again: the
// two documents and digests must be identical.
func TestModelRoundTrip(t *testing.T) {
	owned := map[string][]byte{"s.hcl": []byte(baseSolution), "t.hcl": []byte(`table "fx_rule" {
  ownership = "organization"
  column "fx_name" {
    type = "string"
  }
}
flow "f" {
  primary_table = "fx_rule"
  stage "a" {}
}
`)}
	for _, dir := range []string{"../examples/sales", "../examples/claims", "organization-owned table"} {
		var p *compiler.Project
		var diags hcl.Diagnostics
		if dir == "organization-owned table" {
			p, diags = compiler.LoadSources(owned)
		} else {
			p, diags = compiler.Load(dir)
		}
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		b1, err := compiler.EncodeModel(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := compiler.DecodeModel(b1)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		b2, err := compiler.EncodeModel(q)
		if err != nil {
			t.Fatal(err)
		}
		if string(b1) != string(b2) {
			t.Errorf("%s: model changed in a round trip:\n%s\n%s", dir, b1, b2)
		}
		if p.Digest() != q.Digest() {
			t.Errorf("%s: digest changed in a round trip", dir)
		}
		if len(q.Flows) != len(p.Flows) || q.Flows[0].Stages[0].Name != p.Flows[0].Stages[0].Name {
			t.Errorf("%s: flows lost", dir)
		}
	}
	if _, err := compiler.DecodeModel([]byte(`{"format":"other"}`)); err == nil {
		t.Error("a foreign format must be refused")
	}
}
