# A table of dates: a date-only column (behavior = "date_only") and one of
# the default behavior. The runtime's and the CLI's date-only tests add it
# to a copy of examples/sales (runtime/engine, runtime/webapi, cmd/bpfc).
table "cts_event" {
  display_name   = "Event"
  primary_column = "cts_name"
  column "cts_name" { type = "string" }
  column "cts_day" {
    type     = "datetime"
    behavior = "date_only"
  }
  column "cts_at" { type = "datetime" }
}
