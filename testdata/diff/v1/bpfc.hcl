# The old version of a small project: testdata for bpfc diff. v2/ changes a
# stage, a step's required flag, a condition, a role grant and a variable
# default, adds a flow and removes a column.

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
  default      = 50000
  display_name = "Approval threshold"
}

table "opportunity" {
  column "cts_dealapproved" {
    display_name = "Deal Approved"
    type         = "boolean"
  }
  column "cts_approvalnotes" {
    display_name = "Approval Notes"
    type         = "memo"
    max_length   = 2000
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
      column = "purchasetimeframe"
    }
  }

  stage "develop" {
    display_name = "Develop"
    category     = "develop"
    table        = "opportunity"
    relationship = "originatingleadid"

    step "value" {
      column   = "estimatedvalue"
      required = true
    }

    branch {
      when = self.estimatedvalue > var.approval_threshold
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

role "deal_maker" {
  display_name = "Deal Maker"

  grant "deal" {
    privileges = ["create", "read", "write"]
    depth      = "user"
  }
}
