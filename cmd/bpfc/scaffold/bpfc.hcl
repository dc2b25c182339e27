# A bpfc project: every *.hcl file under this directory is read and merged.
# Run `bpfc validate` after each change, `bpfc build` to compile to dist/.

solution "MySolution" {
  display_name = "My Solution"
  version      = "1.0.0.0"
  description  = "Business process flows kept as code"

  publisher "mypublisher" {
    display_name        = "My Publisher"
    prefix              = "new"
    option_value_prefix = 10000
  }
}

environment "dev" {
  managed = false
}

environment "test" {
  managed      = true
  promote_from = "dev"
}

environment "prod" {
  managed      = true
  promote_from = "test"
}

# An environment variable: the solution carries its definition, and each
# environment may set its own value (values = { ... } in its block, or
# --settings). Dataverse honours it where cloud flows and plug-ins read it;
# a flow's condition may read it too (self.budgetamount > var.big_deal_threshold),
# but only bpfc's runtime evaluates that, real Dataverse ignores such a branch.
variable "big_deal_threshold" {
  type         = "number"
  default      = 50000
  display_name = "Big deal threshold"
  description  = "The budget above which a lead is a big deal"
}
