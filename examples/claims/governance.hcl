# Rules every change to this project must keep; a violation is reported by
# bpfc validate like any other error.

policy {
  flow_name_pattern = "^claims_"       # flows are named after the department
  require_owner     = true             # and say who answers for them
  managed_in        = ["test", "prod"] # nobody customizes test or prod by hand
}
