# Environment variables: each environment may override the default (bpfc.hcl),
# and conditions read them at run time, in the environment they run in.

variable "approval_threshold" {
  type         = "number"
  default      = 50000
  display_name = "Deal approval threshold"
  description  = "Deals whose estimated revenue is above this amount go through the Approval stage."
}

variable "approval_service_url" {
  type         = "string"
  default      = "http://127.0.0.1:9090/approvals"
  display_name = "Approval service URL"
  description  = "Receives a webhook for every deal that needs approval."
}

variable "deal_desk_mailbox" {
  type         = "string"
  default      = "deal-desk.test@contoso.example"
  display_name = "Deal desk mailbox"
  description  = "Where deal notifications are sent."
}

variable "service_desk_mailbox" {
  type         = "string"
  default      = "service-desk@contoso.example"
  display_name = "Service desk mailbox"
  description  = "Where escalated cases are announced."
}
