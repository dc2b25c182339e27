# Every construct unpack reads back, for the round-trip test.

solution "EverythingSolution" {
  display_name = "Everything: \"quotes\", $${braces} and ünïcödé"
  version      = "3.2.1.0"
  description  = "A project that uses every construct of the language."

  publisher "contoso" {
    display_name        = "Contoso Ltd"
    prefix              = "cts"
    option_value_prefix = 12345
  }
}

variable "approval_threshold" {
  type         = "number"
  default      = 50000.5
  display_name = "Approval threshold"
  description  = "Deals above this need an approval stage"
}

variable "folder_service_url" {
  type    = "string"
  default = "http://127.0.0.1:9090/folders"
}

variable "deal_desk" {
  type    = "string"
  default = "deals@contoso.example"
}

variable "fast_track" {
  type    = "boolean"
  default = false
}

variable "routing" {
  type    = "json"
  default = { queue = "sales", weights = [1, 2, 3] }
}

variable "api_key" {
  type         = "secret"
  display_name = "API key"
}
