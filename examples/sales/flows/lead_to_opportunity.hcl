# Dataverse's "Lead to Opportunity Sales Process": the lead is qualified, then
# the flow continues on the opportunity created from it. Stages, steps and
# step names as Dataverse ships them; no step is required out of the box.

flow "lead_to_opportunity" {
  display_name  = "Lead to Opportunity Sales Process"
  description   = "Qualify a lead, then develop, propose and close the opportunity created from it."
  primary_table = "lead"
  order         = 10

  stage "qualify" {
    display_name = "Qualify"
    category     = "qualify"

    step "existing_contact" {
      display_name = "Existing Contact?"
      column       = "parentcontactid"
    }
    step "existing_account" {
      display_name = "Existing Account?"
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
      column       = "qualificationcomments"
    }
  }

  stage "develop" {
    display_name = "Develop"
    category     = "develop"
    table        = "opportunity"
    relationship = "originatingleadid" # the opportunity's lookup back to its lead

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
