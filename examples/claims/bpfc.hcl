# Northwind Insurance claims: custom tables for policies, claims and payments,
# the flows that move a claim from first notice to payment, and the automation
# around them. Governed: see governance.hcl.

solution "NorthwindClaims" {
  display_name = "Northwind Claims"
  version      = "2.3.0.0"
  description  = "Claim intake, assessment and settlement; policy renewal; site inspections."

  publisher "northwind" {
    display_name        = "Northwind Insurance"
    prefix              = "nwi"
    option_value_prefix = 27500
  }
}

environment "dev" {
  managed = false
  store   = "sqlite://.bpfc/dev.db" # the default, written out
  values = {
    auto_approval_limit  = 1000
    fraud_service_url    = "http://127.0.0.1:9091/fraud/score"
    payments_service_url = "http://127.0.0.1:9091/payments"
  }
}

environment "test" {
  managed      = true
  promote_from = "dev"
}

environment "prod" {
  managed                    = true
  promote_from               = "test"
  max_active_flows_per_table = 5
  values = {
    claims_mailbox       = "claims@northwind.example"
    fraud_service_url    = "https://fraud.northwind.example/score"
    payments_service_url = "https://payments.northwind.example/v1/payouts"
    register_url         = "https://register.northwind.example/claims"
  }
}
