workflow "verify_lead" {
  display_name = "Verify lead"
  table        = "lead"
  mode         = "realtime"

  step "mark" {
    when = self.budgetamount > 1000
    update = {
      description           = "Verified, by bpfc"
      budgetamount          = 5000
      purchasetimeframe     = "This Quarter"
      decisionmaker         = true
      estimatedclosedate    = "2026-06-30"
      cts_score             = 7
      qualificationcomments = null
      companyname           = self.fullname
    }
  }
}

workflow "open_folder" {
  display_name = "Open project folder"
  table        = "lead"
  wait_until   = self.budgetamount != null
  timeout      = "72h"

  step "note" {
    update = {
      description     = "Folder \"requested\""
      parentcontactid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    }
  }
  step "project" {
    create = {
      table = "cts_project"
      values = {
        cts_name      = self.fullname
        cts_budget    = self.budgetamount
        cts_priority  = "High"
        cts_approved  = true
        cts_signedon  = "2026-01-31T09:30:00Z"
        cts_notes     = var.folder_service_url
        cts_headcount = 12
      }
    }
  }
  step "owner" {
    assign = { owner = "7b1f9c2e-5d4a-4e3b-8c6d-1a2b3c4d5e6f" }
  }
  step "notify" {
    when = startswith(self.fullname, "Big")
    send_email = {
      to      = "sales@contoso.example"
      cc      = var.deal_desk
      subject = "New deal"
      body    = self.description
    }
  }
  step "hold" {
    change_status = { status = "Lost" }
  }
  step "hook" {
    webhook = { url = var.folder_service_url }
  }
  step "child" {
    start_workflow = workflow.summarise
  }
  step "done" {
    when = self.budgetamount < 10
    stop = { status = "canceled" }
  }
}

workflow "summarise" {
  display_name = "Summarise"
  table        = "lead"

  step "text" {
    update = { description = var.folder_service_url }
  }
  step "odd" {
    change_status = 999
  }
}

workflow "celebrate" {
  display_name = "Celebrate"
  table        = "lead"
  mode         = "realtime"

  step "stop" {
    stop = true
  }
}

workflow "lost_deal" {
  display_name = "Lost deal"
  table        = "lead"

  step "cancel" {
    change_status = "Canceled"
  }
}
