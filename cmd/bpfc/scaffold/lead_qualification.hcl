# An example flow on the standard lead table: edit it or replace it.

flow "lead_qualification" {
  display_name  = "Lead Qualification"
  primary_table = "lead"
  order         = 100

  stage "qualify" {
    display_name = "Qualify"
    category     = "qualify"

    step "topic" {
      column   = "subject"
      required = true
    }
    step "budget" {
      column   = "budgetamount"
      required = true
    }
    step "timeframe" { column = "purchasetimeframe" }

    # A plain number: real Dataverse's branch conditions compare columns
    # with values, never environment variables (bpfc validate --dataverse).
    branch {
      when = self.budgetamount > 50000
      next = stage.review
    }
    next = stage.close
  }

  stage "review" {
    display_name = "Review"
    category     = "approval"

    step "decision_maker" {
      column   = "decisionmaker"
      required = true
    }
    next = stage.close
  }

  stage "close" {
    display_name = "Close"
    category     = "close"

    step "description" { column = "description" }
  }
}
