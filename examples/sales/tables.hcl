# Columns Contoso adds to standard tables. Custom columns carry the publisher
# prefix; the standard columns are listed in compiler/catalog/TABLES.md.

table "opportunity" {
  column "cts_approverid" {
    display_name = "Deal Approver"
    type         = "lookup"
    target       = "systemuser"
  }
  column "cts_dealapproved" {
    display_name = "Deal Approved"
    type         = "boolean"
  }
  column "cts_approvalcomments" {
    display_name = "Approval Comments"
    type         = "memo"
    max_length   = 2000
  }
}

# Dataverse has no lookup from a case back to the phone call it came from, so
# the phone call triage flow (flows/phone_call_triage.hcl) adds one.
table "incident" {
  column "cts_originatingphonecallid" {
    display_name = "Originating Phone Call"
    type         = "lookup"
    target       = "phonecall"
  }
}
