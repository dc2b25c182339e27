# Dataverse's "Phone to Case Process". In Dataverse every stage of it is on
# the case (its instance table has only an incident lookup): the agent records
# the call as a case, finds the customer, researches and resolves.
# For a flow that starts on the phone call itself, see phone_call_triage.hcl.

flow "phone_to_case" {
  display_name  = "Phone to Case Process"
  description   = "Identify the customer of a phoned-in case, research it and resolve it."
  primary_table = "incident"
  order         = 10

  stage "identify" {
    display_name = "Identify"
    category     = "identify"

    step "find_customer" {
      display_name = "Find Customer"
      column       = "customerid"
      required     = true
    }
    step "find_case" {
      display_name = "Find Case"
      column       = "existingcase"
    }
    step "find_contact" {
      display_name = "Find Contact"
      column       = "primarycontactid"
    }
  }

  stage "research" {
    display_name = "Research"
    category     = "research"

    step "assign_to_others" {
      display_name = "Assign to Others"
      column       = "routecase"
    }
    step "customer_contacted" {
      display_name = "Customer Contacted"
      column       = "customercontacted"
    }
  }

  stage "resolve" {
    display_name = "Resolve"
    category     = "resolve"

    step "follow_up_task" {
      display_name = "Follow up Task Created"
      column       = "followuptaskcreated"
    }
    step "activities_complete" {
      display_name = "Activities Complete"
      column       = "activitiescomplete"
    }
  }
}
