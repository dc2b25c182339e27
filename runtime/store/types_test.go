package store

import "testing"

func TestAccessDepth(t *testing.T) {
	a := Access{Privileges: []Privilege{
		{Table: "lead", Privilege: "read", Depth: DepthBusinessUnit},
		{Table: "lead", Privilege: "write", Depth: ""}, // the language's default: organization
		{Table: "opportunity", Privilege: "read", Depth: DepthUser},
	}}
	for _, c := range []struct{ table, priv, want string }{
		{"lead", "read", DepthBusinessUnit},
		{"lead", "write", DepthOrganization},
		{"lead", "delete", ""},
		{"opportunity", "read", DepthUser},
		{"contact", "read", ""},
	} {
		if got := a.Depth(c.table, c.priv); got != c.want {
			t.Errorf("Depth(%s, %s) = %q, want %q", c.table, c.priv, got, c.want)
		}
		if got := a.Allows(c.table, c.priv); got != (c.want != "") {
			t.Errorf("Allows(%s, %s) = %t", c.table, c.priv, got)
		}
	}
	if got := (Access{FullAccess: true}).Depth("anything", "delete"); got != DepthOrganization {
		t.Errorf("full access: %q", got)
	}
	for _, c := range [][3]string{
		{"", DepthUser, DepthUser},
		{DepthUser, DepthBusinessUnit, DepthBusinessUnit},
		{DepthOrganization, DepthParentChild, DepthOrganization},
		{DepthParentChild, DepthBusinessUnit, DepthParentChild},
		{DepthUser, "", DepthUser},
	} {
		if got := WiderDepth(c[0], c[1]); got != c[2] {
			t.Errorf("WiderDepth(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}
