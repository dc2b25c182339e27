# The custom tables. Every custom table also gets the system columns Dataverse
# adds (<table>id, createdon, modifiedon, ownerid, statecode, statuscode).

table "nwi_policy" {
  display_name   = "Policy"
  primary_column = "nwi_name"

  column "nwi_name" {
    display_name = "Policy Number"
    type         = "string"
    max_length   = 40
  }
  column "nwi_holderid" {
    display_name = "Policy Holder"
    type         = "customer"
    required     = true
  }
  column "nwi_holderemail" {
    display_name = "Holder Email"
    type         = "email"
  }
  column "nwi_product" {
    display_name = "Product"
    type         = "choice"
    options      = { Motor = 1, Home = 2, Travel = 3 }
  }
  column "nwi_premium" {
    display_name = "Annual Premium"
    type         = "money"
  }
  column "nwi_renewalpremium" {
    display_name = "Renewal Premium"
    type         = "money"
  }
  column "nwi_claimfreeyears" {
    display_name = "Claim-free Years"
    type         = "integer"
  }
  column "nwi_startdate" {
    display_name = "Start Date"
    type         = "datetime"
  }
  column "nwi_enddate" {
    display_name = "End Date"
    type         = "datetime"
  }
  column "nwi_renewalaccepted" {
    display_name = "Renewal Accepted"
    type         = "boolean"
  }
}

table "nwi_claim" {
  display_name   = "Claim"
  primary_column = "nwi_name"

  column "nwi_name" {
    display_name = "Claim Number"
    type         = "string"
    max_length   = 20
  }
  column "nwi_policyid" {
    display_name = "Policy"
    type         = "lookup"
    target       = "nwi_policy"
  }
  column "nwi_claimantid" {
    display_name = "Claimant"
    type         = "customer"
  }
  column "nwi_claimantemail" {
    display_name = "Claimant Email"
    type         = "email"
  }
  column "nwi_claimantphone" {
    display_name = "Claimant Phone"
    type         = "string"
    max_length   = 50
  }
  column "nwi_claimtype" {
    display_name = "Claim Type"
    type         = "choice"
    options      = { Vehicle = 1, Property = 2, Travel = 3, Liability = 4 }
  }
  column "nwi_lossdate" {
    display_name = "Date of Loss"
    type         = "datetime"
  }
  column "nwi_description" {
    display_name = "What Happened"
    type         = "memo"
    max_length   = 4000
  }
  column "nwi_claimedamount" {
    display_name = "Claimed Amount"
    type         = "money"
  }
  column "nwi_documentsreceived" {
    display_name = "Documents Received"
    type         = "boolean"
  }
  column "nwi_photocount" {
    display_name = "Photos Received"
    type         = "integer"
  }
  column "nwi_severity" {
    display_name = "Severity"
    type         = "choice"
    options      = { Minor = 1, Moderate = 2, Major = 3, "Total Loss" = 4 }
  }
  column "nwi_fraudscore" {
    display_name = "Fraud Score"
    type         = "decimal"
  }
  column "nwi_approvedamount" {
    display_name = "Approved Amount"
    type         = "money"
  }
  column "nwi_adjusterid" {
    display_name = "Adjuster"
    type         = "lookup"
    target       = "systemuser"
  }
  column "nwi_decision" {
    display_name = "Decision"
    type         = "choice"
    options      = { Pending = 1, Approved = 2, "Partially Approved" = 3, Rejected = 4 }
  }
  column "nwi_decisionnotes" {
    display_name = "Decision Notes"
    type         = "memo"
  }
  column "nwi_inspectiondate" {
    display_name = "Inspection Date"
    type         = "datetime"
  }
  column "nwi_sitevisited" {
    display_name = "Site Visited"
    type         = "boolean"
  }
  column "nwi_inspectionnotes" {
    display_name = "Inspection Notes"
    type         = "memo"
  }
}

table "nwi_payment" {
  display_name   = "Claim Payment"
  primary_column = "nwi_name"

  column "nwi_name" {
    display_name = "Payment Reference"
    type         = "string"
    max_length   = 30
  }
  column "nwi_claimid" {
    display_name = "Claim"
    type         = "lookup"
    target       = "nwi_claim"
  }
  column "nwi_amount" {
    display_name = "Amount"
    type         = "money"
  }
  column "nwi_payeeiban" {
    display_name = "Payee IBAN"
    type         = "string"
    max_length   = 34
  }
  column "nwi_method" {
    display_name = "Payment Method"
    type         = "choice"
    options      = { "Bank Transfer" = 1, Cheque = 2 }
  }
  column "nwi_released" {
    display_name = "Released"
    type         = "boolean"
  }
}
