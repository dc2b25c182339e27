package solution

import (
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// TestArchivesCarryRelationships: a custom lookup's relationship is in both
// archives' customizations.xml, and every relationship there can be
// imported: its referencing table is in the solution with the lookup
// column it names.
func TestArchivesCarryRelationships(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	p, diags := compiler.Load("../examples/claims")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res, err := Build(p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []string{res.Unmanaged, res.Managed} {
		a, err := ReadArchiveFile(z)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := a.XML("customizations.xml")
		if err != nil {
			t.Fatal(err)
		}
		rels := map[string]*etree.Element{}
		for _, r := range doc.FindElements("/ImportExportXml/EntityRelationships/EntityRelationship") {
			rels[r.SelectAttrValue("Name", "")] = r
		}
		// nwi_claim.nwi_policyid -> nwi_policy, a lookup examples/claims declares.
		r := rels["nwi_nwi_claim_Policyid_nwi_policy"]
		if r == nil {
			t.Errorf("%s: no relationship for nwi_claim.nwi_policyid; has %d others", z, len(rels))
			continue
		}
		for tag, want := range map[string]string{
			"EntityRelationshipType": "OneToMany", "ReferencingEntityName": "nwi_Claim",
			"ReferencedEntityName": "nwi_Policy", "ReferencingAttributeName": "nwi_Policyid", "CascadeDelete": "RemoveLink",
		} {
			if got := r.SelectElement(tag); got == nil || got.Text() != want {
				t.Errorf("%s: %s is %v, want %s", z, tag, got, want)
			}
		}
		for _, n := range []string{"nwi_nwi_policy_Holderid_account", "nwi_nwi_policy_Holderid_contact", "bpf_nwi_claim_nwi_claimsintake"} {
			if rels[n] == nil {
				t.Errorf("%s: no relationship %s", z, n)
			}
		}
		if c := rels["bpf_nwi_claim_nwi_claimsintake"].SelectElement("CascadeDelete"); c == nil || c.Text() != "Cascade" {
			t.Errorf("%s: the instance lookup's relationship does not cascade deletes", z)
		}

		entities := map[string]*etree.Element{}
		for _, e := range doc.FindElements("/ImportExportXml/Entities/Entity") {
			entities[strings.ToLower(e.SelectElement("Name").Text())] = e
		}
		for name, r := range rels {
			from := r.SelectElement("ReferencingEntityName").Text()
			attr := r.SelectElement("ReferencingAttributeName").Text()
			e := entities[strings.ToLower(from)]
			if e == nil {
				t.Errorf("%s: %s: referencing table %s is not in the solution", z, name, from)
				continue
			}
			found := false
			for _, a := range e.FindElements("EntityInfo/entity/attributes/attribute") {
				if a.SelectAttrValue("PhysicalName", "") == attr {
					found = a.SelectElement("Type").Text() == "lookup" || a.SelectElement("Type").Text() == "customer"
				}
			}
			if !found {
				t.Errorf("%s: %s: %s has no lookup column %s", z, name, from, attr)
			}
		}
	}
}
