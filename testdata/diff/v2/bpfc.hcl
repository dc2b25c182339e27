# The new version of the small project in v1/: testdata for bpfc diff.

solution "Deals" {
  display_name = "Deal Processes"
  version      = "1.0.0.0"

  publisher "contoso" {
    display_name        = "Contoso Ltd"
    prefix              = "cts"
    option_value_prefix = 10000
  }
}

variable "approval_threshold" {
  type         = "number"
  default      = 75000
  display_name = "Approval threshold"
}

table "opportunity" {
  column "cts_dealapproved" {
    display_name = "Deal Approved"
    type         = "boolean"
  }
}

flow "deal" {
  display_name  = "Deal Process"
  primary_table = "lead"

  stage "qualify" {
    display_name = "Qualify"
    category     = "qualify"

    step "budget" {
      column   = "budgetamount"
      required = true
    }
    step "timeframe" {
      column   = "purchasetimeframe"
      required = true
    }
  }

  stage "develop" {
    display_name = "Develop the Opportunity"
    category     = "develop"
    table        = "opportunity"
    relationship = "originatingleadid"

    step "value" {
      column   = "estimatedvalue"
      required = true
    }

    branch {
      when = self.estimatedvalue >= var.approval_threshold
      next = stage.approve
    }
    next = stage.close
  }

  stage "approve" {
    display_name = "Approve"
    category     = "approval"

    step "approved" {
      column   = "cts_dealapproved"
      required = true
    }
  }

  stage "close" {
    display_name = "Close"
    category     = "close"

    step "decision_date" {
      column = "finaldecisiondate"
    }
  }
}

flow "quick_deal" {
  display_name  = "Quick Deal"
  primary_table = "lead"
  order         = 20

  stage "qualify" {
    display_name = "Qualify"
    category     = "qualify"

    step "budget" {
      column   = "budgetamount"
      required = true
    }
  }

  stage "close" {
    display_name = "Close"
    category     = "close"
  }
}

role "deal_maker" {
  display_name = "Deal Maker"

  grant "deal" {
    privileges = ["create", "read", "write", "append"]
    depth      = "business_unit"
  }
}
