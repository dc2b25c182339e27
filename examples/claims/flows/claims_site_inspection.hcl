# A task flow for adjusters in the field, still a draft: it is compiled and
# shipped, but not activated until active = true.

flow "claims_site_inspection" {
  display_name  = "Site Inspection"
  description   = "Guide an adjuster through a visit to the site of a loss."
  type          = "task"
  active        = false
  primary_table = "nwi_claim"
  order         = 20
  owner         = "field-adjusters@northwind.example"

  stage "inspect" {
    display_name = "Inspect"
    category     = "research"

    step "visit_date" {
      column   = "nwi_inspectiondate"
      required = true
    }
    step "visited" {
      column   = "nwi_sitevisited"
      required = true
    }
    step "photos" {
      column   = "nwi_photocount"
      required = true
    }
    step "notes" {
      column = "nwi_inspectionnotes"
    }
  }
}
