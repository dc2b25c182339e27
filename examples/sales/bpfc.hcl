# Contoso Sales: the three business process flows every Dataverse environment
# ships, written as code, plus two flows of Contoso's own (flows/).
#
#   bpfc validate            check everything
#   bpfc build               compile to dist/
#   bpfc release             dev -> test -> prod, along promote_from

solution "ContosoSales" {
  display_name = "Contoso Sales Processes"
  version      = "1.0.0.0"
  description  = "Lead to opportunity, opportunity sales and phone to case processes, with strategic deal approval and phone call triage."

  publisher "contoso" {
    display_name        = "Contoso Ltd"
    prefix              = "cts"
    option_value_prefix = 10000
  }
}

# The pipeline, in order: dev receives the unmanaged solution, test and prod
# the managed one, and each accepts only the build that is live before it.
environment "dev" {
  managed = false
  values = {
    approval_threshold   = 25000
    approval_service_url = "http://127.0.0.1:9090/approvals"
  }
}

environment "test" {
  managed      = true
  promote_from = "dev"
}

environment "prod" {
  managed      = true
  promote_from = "test"
  values = {
    approval_threshold   = 100000
    approval_service_url = "https://approvals.contoso.example/api/requests"
    deal_desk_mailbox    = "deal-desk@contoso.example"
  }
}
