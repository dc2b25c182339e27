role "salesperson" {
  display_name = "Salesperson"

  grant "lead_to_project" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "user"
  }
  grant "quick_contact_update" {
    privileges = ["read"]
    depth      = "parent_child"
  }
}

role "manager" {
  display_name = "Sales Manager"

  grant "lead_to_project" {
    privileges = ["create", "read", "write", "delete", "append", "append_to"]
  }
  grant "vendor_review" {
    privileges = ["read", "write"]
    depth      = "business_unit"
  }
}
