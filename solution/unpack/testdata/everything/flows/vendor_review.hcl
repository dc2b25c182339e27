flow "vendor_review" {
  display_name  = "Vendor Review"
  primary_table = "cts_vendor"

  stage "rate" {
    display_name = "Rate"
    category     = "identify"

    step "rating" {
      column   = "cts_rating"
      required = true
    }

    branch {
      when = !(self.cts_rating == 3)
      next = stage.done
    }
  }

  stage "done" {
    display_name = "Done"
  }
}
