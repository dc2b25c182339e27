# Who may work on which flow. system_administrator and system_customizer see
# every flow; everyone else only the flows their roles grant.

role "salesperson" {
  display_name = "Salesperson"

  grant "lead_to_opportunity" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "user"
  }
  grant "opportunity_sales" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "user"
  }
  grant "strategic_deal" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "user"
  }
}

role "sales_manager" {
  display_name = "Sales Manager"

  grant "lead_to_opportunity" {
    privileges = ["create", "read", "write", "delete", "append", "append_to"]
    depth      = "business_unit"
  }
  grant "opportunity_sales" {
    privileges = ["create", "read", "write", "delete", "append", "append_to"]
    depth      = "business_unit"
  }
  grant "strategic_deal" {
    privileges = ["create", "read", "write", "delete", "append", "append_to"]
    depth      = "organization"
  }
}

role "customer_service_representative" {
  display_name = "Customer Service Representative"

  grant "phone_to_case" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "business_unit"
  }
  grant "phone_call_triage" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "business_unit"
  }
}
