table "lead" {
  column "cts_score" {
    display_name = "Score"
    type         = "integer"
  }
}

table "cts_project" {
  display_name   = "Project"
  primary_column = "cts_name"

  column "cts_name" {
    display_name = "Name"
    type         = "string"
    max_length   = 200
  }
  column "cts_budget" {
    display_name = "Budget"
    type         = "money"
    required     = true
  }
  column "cts_sponsor" {
    display_name = "Sponsor"
    type         = "lookup"
    target       = "contact"
  }
  column "cts_customer" {
    display_name = "Customer"
    type         = "customer"
  }
  column "cts_priority" {
    display_name = "Priority"
    type         = "choice"
    options      = { Low = 1, High = 2, "Very High" = 3 }
  }
  column "cts_signedon" {
    display_name = "Signed On"
    type         = "datetime"
  }
  column "cts_kickoff" {
    display_name = "Kickoff"
    type         = "datetime"
    behavior     = "date_only"
  }
  column "cts_checkin" {
    display_name = "Check-in"
    type         = "datetime"
    behavior     = "time_zone_independent"
  }
  column "cts_approved" {
    display_name = "Approved"
    type         = "boolean"
  }
  column "cts_notes" {
    display_name = "Notes"
    type         = "memo"
    max_length   = 5000
  }
  column "cts_contactemail" {
    display_name = "Contact Email"
    type         = "email"
    max_length   = 120
  }
  column "cts_headcount" {
    display_name = "Headcount"
    type         = "integer"
  }
  column "cts_rate" {
    display_name = "Rate"
    type         = "decimal"
  }
  column "cts_opportunityid" {
    display_name = "Opportunity"
    type         = "lookup"
    target       = "opportunity"
  }
}

table "cts_vendor" {
  display_name = "Vendor"
  external     = true

  column "cts_rating" {
    display_name = "Rating"
    type         = "integer"
  }
}
