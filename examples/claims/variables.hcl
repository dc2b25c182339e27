variable "auto_approval_limit" {
  type         = "number"
  default      = 5000
  display_name = "Auto-approval limit"
  description  = "Claims up to this amount are settled without an adjuster's review."
}

variable "fraud_score_threshold" {
  type         = "number"
  default      = 0.7
  display_name = "Fraud score threshold"
  description  = "Claims scored at or above this (0 to 1) always go to review."
}

variable "claims_mailbox" {
  type         = "string"
  default      = "claims.test@northwind.example"
  display_name = "Claims mailbox"
}

variable "fraud_service_url" {
  type         = "string"
  default      = "http://127.0.0.1:9091/fraud/score"
  display_name = "Fraud scoring service"
  description  = "Scores every new claim; writes nwi_fraudscore back through the Web API."
}

variable "payments_service_url" {
  type         = "string"
  default      = "http://127.0.0.1:9091/payments"
  display_name = "Payments service"
}

variable "register_url" {
  type         = "string"
  default      = "http://127.0.0.1:9091/register"
  display_name = "Industry claims register"
}

variable "special_investigations_owner" {
  type         = "string"
  default      = "siu.lead"
  display_name = "Special investigations lead"
  description  = "The user suspicious claims are assigned to."
}
