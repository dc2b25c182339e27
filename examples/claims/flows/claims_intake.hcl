# From first notice of loss to payment. Small, clean claims go straight from
# assessment to settlement; large or suspicious ones are reviewed by an
# adjuster first. Settlement happens on a payment record linked to the claim.

flow "claims_intake" {
  display_name  = "Claim Intake"
  description   = "Register a claim, assess it, have large or suspicious claims reviewed, and pay it."
  primary_table = "nwi_claim"
  order         = 10
  owner         = "claims-operations@northwind.example"

  stage "report" {
    display_name = "Report"
    category     = "identify"

    step "claimant" {
      column   = "nwi_claimantid"
      required = true
    }
    step "policy" {
      column   = "nwi_policyid"
      required = true
    }
    step "claim_type" {
      column   = "nwi_claimtype"
      required = true
    }
    step "loss_date" {
      column   = "nwi_lossdate"
      required = true
    }
    step "claimed_amount" {
      column   = "nwi_claimedamount"
      required = true
    }
    step "what_happened" {
      column = "nwi_description"
    }
    action "request_documents" {
      display_name = "Request Documents"
      workflow     = workflow.request_documents
    }

    on_exit = [workflow.acknowledge_claim]
  }

  stage "assess" {
    display_name = "Assess"
    category     = "research"

    step "documents" {
      column   = "nwi_documentsreceived"
      required = true
    }
    step "photos" {
      column = "nwi_photocount"
    }
    step "severity" {
      column   = "nwi_severity"
      required = true
    }
    step "approved_amount" {
      column   = "nwi_approvedamount"
      required = true
    }

    on_enter = [workflow.score_fraud]

    branch {
      when = self.nwi_claimedamount > var.auto_approval_limit || self.nwi_fraudscore >= var.fraud_score_threshold
      next = stage.review
    }
    next = stage.settle
  }

  stage "review" {
    display_name = "Adjuster Review"
    category     = "approval"

    step "adjuster" {
      column   = "nwi_adjusterid"
      required = true
    }
    step "decision" {
      column   = "nwi_decision"
      required = true
    }
    step "notes" {
      column = "nwi_decisionnotes"
    }

    on_enter = [workflow.flag_suspicious_claim]
    next     = stage.settle
  }

  stage "settle" {
    display_name = "Settle"
    category     = "resolve"
    table        = "nwi_payment"
    relationship = "nwi_claimid"

    step "amount" {
      column   = "nwi_amount"
      required = true
    }
    step "payee" {
      column   = "nwi_payeeiban"
      required = true
    }
    step "method" {
      column = "nwi_method"
    }
    action "release" {
      display_name = "Release Payment"
      workflow     = workflow.release_payment
    }
    step "released" {
      column   = "nwi_released"
      required = true
    }
  }

  on_finish  = [workflow.close_claim]
  on_abandon = [workflow.reject_claim]
}
