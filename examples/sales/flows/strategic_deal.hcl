# Contoso's own process for strategic deals: stricter than the standard lead to
# opportunity process, and with an Approval stage that only large deals take.
# The threshold is an environment variable, so prod can demand approval later
# than dev (see bpfc.hcl).

flow "strategic_deal" {
  display_name  = "Strategic Deal Process"
  description   = "Qualify a strategic lead, develop the opportunity, get large deals approved, propose and close."
  primary_table = "lead"
  order         = 20 # the standard process (order 10) stays the default for new leads

  stage "qualify" {
    display_name = "Qualify"
    category     = "qualify"

    step "budget" {
      display_name = "Estimated Budget"
      column       = "budgetamount"
      required     = true
    }
    step "timeframe" {
      column   = "purchasetimeframe"
      required = true
    }
    step "decision_maker" {
      display_name = "Decision Maker Identified"
      column       = "decisionmaker"
      required     = true # a required yes/no step passes only when it is yes
    }
    step "summary" {
      display_name = "Capture Summary"
      column       = "qualificationcomments"
    }
    action "verify" {
      display_name = "Verify Lead"
      workflow     = workflow.verify_lead
    }

    on_exit = [workflow.notify_deal_desk]
  }

  stage "develop" {
    display_name = "Develop"
    category     = "develop"
    table        = "opportunity"
    relationship = "originatingleadid"

    step "value" {
      display_name = "Estimated Revenue"
      column       = "estimatedvalue"
      required     = true
    }
    step "customer_need" {
      column   = "customerneed"
      required = true
    }
    step "close_date" {
      column = "estimatedclosedate"
    }

    branch {
      when = self.estimatedvalue > var.approval_threshold
      next = stage.approval
    }
    next = stage.propose
  }

  stage "approval" {
    display_name = "Approval"
    category     = "approval"

    step "approver" {
      column   = "cts_approverid"
      required = true
    }
    step "approved" {
      column   = "cts_dealapproved"
      required = true
    }
    step "comments" {
      column = "cts_approvalcomments"
    }

    on_enter = [workflow.request_deal_approval]
    on_exit  = [workflow.record_approval]
    next     = stage.propose
  }

  stage "propose" {
    display_name = "Propose"
    category     = "propose"

    step "develop_proposal" {
      display_name = "Develop Proposal"
      column       = "developproposal"
      required     = true
    }
    step "present_proposal" {
      display_name = "Present Proposal"
      column       = "presentproposal"
    }
  }

  stage "close" {
    display_name = "Close"
    category     = "close"

    step "decision_date" {
      display_name = "Confirm Decision Date"
      column       = "finaldecisiondate"
      required     = true
    }
    step "thank_you" {
      display_name = "Send Thank You"
      column       = "sendthankyounote"
    }
  }

  on_finish  = [workflow.celebrate_deal]
  on_abandon = [workflow.report_abandoned_deal]
}
