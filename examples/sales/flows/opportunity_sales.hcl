# Dataverse's "Opportunity Sales Process", for opportunities created directly
# rather than from a lead. Stages, steps and step names as Dataverse ships them.

flow "opportunity_sales" {
  display_name  = "Opportunity Sales Process"
  description   = "Qualify, develop, propose and close an opportunity."
  primary_table = "opportunity"
  order         = 10

  stage "qualify" {
    display_name = "Qualify"
    category     = "qualify"

    step "identify_contact" {
      display_name = "Identify Contact"
      column       = "parentcontactid"
    }
    step "identify_account" {
      display_name = "Identify Account"
      column       = "parentaccountid"
    }
    step "purchase_timeframe" {
      display_name = "Purchase Timeframe"
      column       = "purchasetimeframe"
    }
    step "estimated_budget" {
      display_name = "Estimated Budget"
      column       = "budgetamount"
    }
    step "purchase_process" {
      display_name = "Purchase Process"
      column       = "purchaseprocess"
    }
    step "decision_maker" {
      display_name = "Identify Decision Maker"
      column       = "decisionmaker"
    }
    step "capture_summary" {
      display_name = "Capture Summary"
      column       = "description"
    }
  }

  stage "develop" {
    display_name = "Develop"
    category     = "develop"

    step "customer_need" {
      display_name = "Customer Need"
      column       = "customerneed"
    }
    step "proposed_solution" {
      display_name = "Proposed Solution"
      column       = "proposedsolution"
    }
    step "identify_stakeholders" {
      display_name = "Identify Stakeholders"
      column       = "identifycustomercontacts"
    }
    step "identify_competitors" {
      display_name = "Identify Competitors"
      column       = "identifycompetitors"
    }
  }

  stage "propose" {
    display_name = "Propose"
    category     = "propose"

    step "identify_sales_team" {
      display_name = "Identify Sales Team"
      column       = "identifypursuitteam"
    }
    step "develop_proposal" {
      display_name = "Develop Proposal"
      column       = "developproposal"
    }
    step "complete_internal_review" {
      display_name = "Complete Internal Review"
      column       = "completeinternalreview"
    }
    step "present_proposal" {
      display_name = "Present Proposal"
      column       = "presentproposal"
    }
  }

  stage "close" {
    display_name = "Close"
    category     = "close"

    step "complete_final_proposal" {
      display_name = "Complete Final Proposal"
      column       = "completefinalproposal"
    }
    step "present_final_proposal" {
      display_name = "Present Final Proposal"
      column       = "presentfinalproposal"
    }
    step "confirm_decision_date" {
      display_name = "Confirm Decision Date"
      column       = "finaldecisiondate"
    }
    step "send_thank_you" {
      display_name = "Send Thank You"
      column       = "sendthankyounote"
    }
    step "file_debrief" {
      display_name = "File De-brief"
      column       = "filedebrief"
    }
  }
}
