flow "lead_to_project" {
  display_name  = "Lead to Project"
  description   = "From lead to closed project"
  primary_table = "lead"
  order         = 10

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
    action "verify" {
      display_name = "Verify lead"
      workflow     = workflow.verify_lead
    }
    step "score" {
      column = "cts_score"
    }

    on_enter = [workflow.open_folder]
    on_exit  = [workflow.summarise]
  }

  stage "develop" {
    display_name = "Develop"
    category     = "develop"
    table        = "opportunity"
    relationship = "originatingleadid"

    step "value" {
      display_name = "Estimated Value"
      column       = "estimatedvalue"
      required     = true
    }

    branch {
      when = self.estimatedvalue > 100000
      next = stage.approval
    }
    branch {
      when = self.estimatedvalue >= var.approval_threshold && self.name != null
      next = stage.approval
    }
    branch {
      when = self.purchasetimeframe == "This Quarter" && self.closeprobability > 10 || contains(self.name, "VIP")
      next = stage.approval
    }
    branch {
      when = !contains(self.name, "Test") && endswith(self.name, "Ltd")
      next = stage.approval
    }
    branch {
      when = startswith(self.name, "Gov") || !endswith(self.name, "Inc")
      next = stage.approval
    }
    next = stage.propose
  }

  stage "approval" {
    display_name = "Approval"
    category     = "approval"

    step "probability" {
      column   = "closeprobability"
      required = true
    }
    next = stage.propose
  }

  stage "propose" {
    display_name = "Propose"
    category     = "propose"

    step "proposal" {
      display_name = "Final Proposal"
      column       = "completefinalproposal"
    }
  }

  stage "review" {
    display_name = "Project Review"
    category     = "research"
    table        = "cts_project"
    relationship = "cts_opportunityid"

    step "name" {
      column   = "cts_name"
      required = true
    }
    step "budget" {
      column   = "cts_budget"
      required = true
    }
    step "priority" {
      column = "cts_priority"
    }
    step "approved" {
      column = "cts_approved"
    }
    step "signed" {
      column = "cts_signedon"
    }
    step "notes" {
      column = "cts_notes"
    }
    step "email" {
      column = "cts_contactemail"
    }
    step "headcount" {
      column = "cts_headcount"
    }
    step "rate" {
      column = "cts_rate"
    }
    step "sponsor" {
      column = "cts_sponsor"
    }
    step "customer" {
      column = "cts_customer"
    }
    step "status" {
      column = "statuscode"
    }

    branch {
      when = self.cts_priority == "High" && self.cts_approved == true
      next = stage.fast_close
    }
    branch {
      when = self.cts_sponsor != null
      next = stage.fast_close
    }
    branch {
      when = self.cts_sponsor == "5d3c4bd1-2b1a-4c7e-9a55-0f3f4a1b2c3d"
      next = stage.fast_close
    }
    branch {
      when = self.cts_signedon <= "2026-12-31"
      next = stage.fast_close
    }
    branch {
      when = self.cts_name == "Quote \" and $${brace}, comma"
      next = stage.fast_close
    }
    branch {
      when = self.cts_budget > self.cts_rate
      next = stage.fast_close
    }
    next = stage.close
  }

  stage "fast_close" {
    display_name = "Fast Close"

    step "fast_notes" {
      display_name = "Closing Notes"
      column       = "cts_notes"
    }
    next = stage.close
  }

  stage "close" {
    display_name = "Close"
    category     = "close"

    step "signed_on" {
      column   = "cts_signedon"
      required = true
    }
  }

  on_finish  = [workflow.celebrate]
  on_abandon = [workflow.lost_deal]
}
