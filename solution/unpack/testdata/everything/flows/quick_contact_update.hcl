flow "quick_contact_update" {
  display_name  = "Quick Contact Update (mobile)"
  primary_table = "contact"
  order         = 20
  type          = "task"
  active        = false
  unique_name   = "quickcontact"

  stage "details" {
    display_name = "Contact details"

    step "first" {
      column   = "firstname"
      required = true
    }
    step "mail" {
      column = "emailaddress1"
    }
  }

  stage "follow_up" {
    display_name = "Follow up"

    step "phone" {
      column = "telephone1"
    }
  }
}
