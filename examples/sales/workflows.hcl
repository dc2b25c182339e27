# Automation the flows trigger: on entering or leaving a stage, on an action
# button, and when a flow finishes or is abandoned. Background workflows are
# queued and retried; realtime ones run inside the stage transition.

workflow "verify_lead" {
  display_name = "Verify lead"
  table        = "lead"
  mode         = "realtime"

  step "confirm" {
    update = {
      confirminterest = true
      evaluatefit     = true
    }
  }
}

workflow "notify_deal_desk" {
  display_name = "Tell the deal desk about a qualified strategic lead"
  table        = "lead"

  step "email" {
    send_email = {
      to      = var.deal_desk_mailbox
      subject = "Strategic lead qualified"
      body    = self.qualificationcomments
    }
  }
}

workflow "request_deal_approval" {
  display_name = "Request deal approval"
  table        = "opportunity"

  step "notify" {
    send_email = {
      to      = var.deal_desk_mailbox
      subject = "Deal approval needed"
      body    = self.customerneed
    }
  }
  step "approval_service" {
    webhook = { url = var.approval_service_url }
  }
}

workflow "record_approval" {
  display_name = "Record the approval"
  table        = "opportunity"
  mode         = "realtime"

  step "rate_hot" {
    when   = self.cts_dealapproved == true
    update = { opportunityratingcode = "Hot" }
  }
}

workflow "celebrate_deal" {
  display_name = "Announce a closed strategic deal"
  table        = "opportunity"

  step "announce" {
    send_email = {
      to      = var.deal_desk_mailbox
      subject = "Strategic deal closed"
    }
  }
}

workflow "report_abandoned_deal" {
  display_name = "Report an abandoned strategic deal"
  table        = "lead"

  step "report" {
    send_email = {
      to      = var.deal_desk_mailbox
      subject = "Strategic deal abandoned"
      body    = self.qualificationcomments
    }
  }
}

workflow "acknowledge_case" {
  display_name = "Acknowledge a new case"
  table        = "incident"

  step "origin" {
    update = { caseorigincode = "Phone" }
  }
  step "acknowledge" {
    when = self.emailaddress != null
    send_email = {
      to      = self.emailaddress
      subject = "We have received your request"
    }
  }
}

workflow "escalate_case" {
  display_name = "Escalate a high-priority case"
  table        = "incident"

  step "announce" {
    send_email = {
      to      = var.service_desk_mailbox
      subject = "High-priority case escalated"
      body    = self.description
    }
  }
  step "route" {
    update = { routecase = true }
  }
}
