package catalog

// relationships are the names of the standard tables' 1:N relationships
// behind their lookups, as Dataverse's metadata names them, by
// "<table>.<lookup>" or, for a lookup to several tables,
// "<table>.<lookup>.<target>". A cross-table stage's StageRelationship
// names one; a name Dataverse does not have breaks the stage's link. Only
// names known from Dataverse's metadata are listed.
var relationships = map[string]string{
	"account.originatingleadid":        "account_originating_lead",
	"account.parentaccountid":          "account_parent_account",
	"account.primarycontactid":         "account_primary_contact",
	"contact.originatingleadid":        "contact_originating_lead",
	"contact.parentcustomerid.account": "contact_customer_accounts",
	"contact.parentcustomerid.contact": "contact_customer_contacts",
	"incident.customerid.account":      "incident_customer_accounts",
	"incident.customerid.contact":      "incident_customer_contacts",
	"incident.parentcaseid":            "incident_parent_incident",
	"lead.customerid.account":          "lead_customer_accounts",
	"lead.customerid.contact":          "lead_customer_contacts",
	"lead.parentaccountid":             "lead_parent_account",
	"lead.parentcontactid":             "lead_parent_contact",
	"lead.qualifyingopportunityid":     "lead_qualifying_opportunity",
	"opportunity.customerid.account":   "opportunity_customer_accounts",
	"opportunity.customerid.contact":   "opportunity_customer_contacts",
	"opportunity.originatingleadid":    "opportunity_originating_lead",
	"opportunity.parentaccountid":      "opportunity_parent_account",
	"opportunity.parentcontactid":      "opportunity_parent_contact",
	"systemuser.parentsystemuserid":    "user_parent_user",
}

// Relationship names the relationship behind lookup column of standard
// table that points at target, when Dataverse's name for it is known.
func Relationship(table, column, target string) (string, bool) {
	if name, ok := relationships[table+"."+column]; ok {
		return name, true
	}
	name, ok := relationships[table+"."+column+"."+target]
	return name, ok
}
