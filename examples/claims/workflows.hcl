# Realtime workflows run inside the stage transition (a failure refuses the
# move); background workflows are queued, retried and never undo a move.

workflow "acknowledge_claim" {
  display_name = "Acknowledge a new claim"
  table        = "nwi_claim"

  step "email_claimant" {
    when = self.nwi_claimantemail != null
    send_email = {
      to      = self.nwi_claimantemail
      subject = "We have received your claim"
      body    = self.nwi_description
    }
  }
  step "register" {
    webhook = { url = var.register_url }
  }
}

workflow "request_documents" {
  display_name = "Request documents from the claimant"
  table        = "nwi_claim"
  mode         = "realtime"

  step "reset" {
    update = { nwi_documentsreceived = false }
  }
  step "wait_for_them" {
    start_workflow = workflow.await_documents
  }
}

workflow "await_documents" {
  display_name = "Chase missing documents"
  table        = "nwi_claim"
  mode         = "background"
  wait_until   = self.nwi_documentsreceived == true
  timeout      = "72h"

  step "schedule_call" {
    when = self.nwi_documentsreceived == false
    create = {
      table = "phonecall"
      values = {
        subject       = "Call claimant about missing documents"
        directioncode = true
        prioritycode  = "High"
      }
    }
  }
  step "give_up" {
    when = self.nwi_documentsreceived == false
    stop = true
  }
  step "thank" {
    when = self.nwi_claimantemail != null
    send_email = {
      to      = self.nwi_claimantemail
      subject = "Thank you, your documents have arrived"
    }
  }
}

workflow "score_fraud" {
  display_name = "Score the claim for fraud"
  table        = "nwi_claim"

  step "score" {
    webhook = { url = var.fraud_service_url }
  }
}

workflow "flag_suspicious_claim" {
  display_name = "Send suspicious claims to special investigations"
  table        = "nwi_claim"
  mode         = "realtime"

  step "assign" {
    when   = self.nwi_fraudscore >= var.fraud_score_threshold
    assign = { owner = var.special_investigations_owner }
  }
  step "pending" {
    update = { nwi_decision = "Pending" }
  }
}

workflow "release_payment" {
  display_name = "Release a claim payment"
  table        = "nwi_payment"

  step "pay" {
    webhook = { url = var.payments_service_url }
  }
  step "tell_claims" {
    send_email = {
      to      = var.claims_mailbox
      subject = "Claim payment released"
      body    = self.nwi_name
    }
  }
}

workflow "close_claim" {
  display_name = "Close a settled claim"
  table        = "nwi_claim"
  mode         = "realtime"

  step "deactivate" {
    change_status = { status = "Inactive" }
  }
}

workflow "reject_claim" {
  display_name = "Reject an abandoned claim"
  table        = "nwi_claim"

  step "decide" {
    update = {
      nwi_decision      = "Rejected"
      nwi_decisionnotes = "Claim withdrawn or rejected before settlement."
    }
  }
  step "tell_claimant" {
    when = self.nwi_claimantemail != null
    send_email = {
      to      = self.nwi_claimantemail
      subject = "Your claim has been closed"
      cc      = var.claims_mailbox
    }
  }
  step "deactivate" {
    change_status = "Inactive"
  }
}

workflow "send_renewal_quote" {
  display_name = "Send the renewal quote"
  table        = "nwi_policy"

  step "quote" {
    send_email = {
      to      = self.nwi_holderemail
      subject = "Your policy renewal quote"
    }
  }
}
