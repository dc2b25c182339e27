role "claims_handler" {
  display_name = "Claims Handler"

  grant "claims_intake" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "business_unit"
  }
}

role "claims_adjuster" {
  display_name = "Claims Adjuster"

  grant "claims_intake" {
    privileges = ["read", "write", "append", "append_to"]
    depth      = "organization"
  }
  grant "claims_site_inspection" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "user"
  }
}

role "underwriter" {
  display_name = "Underwriter"

  grant "claims_policy_renewal" {
    privileges = ["create", "read", "write", "delete", "append", "append_to"]
    depth      = "organization"
  }
}

role "claims_auditor" {
  display_name = "Claims Auditor"

  grant "claims_intake" {
    privileges = ["read"]
    # depth defaults to organization
  }
  grant "claims_policy_renewal" {
    privileges = ["read"]
  }
}
