# Yearly renewal of a policy: review the claims history, quote, and bind.

flow "claims_policy_renewal" {
  display_name  = "Policy Renewal"
  description   = "Review a policy's claims history, quote the renewal premium and bind the renewal."
  primary_table = "nwi_policy"
  order         = 10
  owner         = "underwriting@northwind.example"

  stage "review" {
    display_name = "Review"
    category     = "qualify"

    step "claim_free_years" {
      column   = "nwi_claimfreeyears"
      required = true
    }
    step "current_premium" {
      column = "nwi_premium"
    }
  }

  stage "quote" {
    display_name = "Quote"
    category     = "propose"

    step "renewal_premium" {
      column   = "nwi_renewalpremium"
      required = true
    }
    step "holder_email" {
      column   = "nwi_holderemail"
      required = true
    }

    on_exit = [workflow.send_renewal_quote]
  }

  stage "bind" {
    display_name = "Bind"
    category     = "close"

    step "accepted" {
      column   = "nwi_renewalaccepted"
      required = true
    }
    step "new_end_date" {
      column   = "nwi_enddate"
      required = true
    }
  }
}
