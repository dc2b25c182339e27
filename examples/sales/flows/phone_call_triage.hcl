# Contoso's triage of incoming calls: the agent works on the phone call first,
# then the flow moves to a case that points back to the call through the
# cts_originatingphonecallid column (tables.hcl). High-priority cases are
# escalated before they are resolved.

flow "phone_call_triage" {
  display_name  = "Phone Call Triage"
  description   = "Take a customer call, open a case for it, escalate urgent ones and resolve."
  primary_table = "phonecall"
  order         = 10

  stage "identify" {
    display_name = "Identify"
    category     = "identify"

    step "subject" {
      column   = "subject"
      required = true
    }
    step "phone_number" {
      column   = "phonenumber"
      required = true
    }
    step "notes" {
      display_name = "Call Notes"
      column       = "description"
    }
  }

  stage "research" {
    display_name = "Research"
    category     = "research"
    table        = "incident"
    relationship = "cts_originatingphonecallid"

    step "title" {
      column   = "title"
      required = true
    }
    step "customer" {
      column   = "customerid"
      required = true
    }
    step "case_type" {
      column = "casetypecode"
    }
    step "priority" {
      column = "prioritycode"
    }

    on_enter = [workflow.acknowledge_case]

    branch {
      when = self.prioritycode == "High"
      next = stage.escalate
    }
    next = stage.resolve
  }

  stage "escalate" {
    display_name = "Escalate" # no category: not every stage needs one

    step "escalated" {
      display_name = "Escalated"
      column       = "isescalated"
      required     = true
    }
    step "responsible_contact" {
      column = "responsiblecontactid"
    }

    on_enter = [workflow.escalate_case]
    next     = stage.resolve
  }

  stage "resolve" {
    display_name = "Resolve"
    category     = "resolve"

    step "satisfaction" {
      column = "customersatisfactioncode"
    }
    step "follow_up" {
      display_name = "Follow-up Task Created"
      column       = "followuptaskcreated"
    }
  }
}
