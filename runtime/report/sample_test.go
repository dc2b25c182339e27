package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the sample report, examples/sales/report.html")

// samplePath is the sample report checked in beside the sales example.
var samplePath = filepath.Join("..", "..", "examples", "sales", "report.html")

// TestSampleReport runs 120 leads of the sales example through "Lead to
// Opportunity Sales Process" in dev — with a test clock and a fixed
// pseudo-random sequence, so the figures never change — and checks the
// HTML report against examples/sales/report.html (go test -update rewrites
// it). It is the page `bpfc report --env dev --flow lead_to_opportunity
// --format html` prints for that data.
func TestSampleReport(t *testing.T) {
	v := deployed(t, "sales", nil)
	s := v.admin()
	seed := uint32(2026)
	rnd := func(n int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % n
	}
	between := func(lo, hi int) time.Duration {
		return time.Duration(lo+rnd(hi-lo+1))*time.Hour + time.Duration(rnd(60))*time.Minute
	}
	for range 120 {
		v.clock.Advance(time.Duration(rnd(300)) * time.Minute)
		in := v.start("lead_to_opportunity", nil)
		r := rnd(100)
		switch {
		case r < 12:
			v.after(between(2, 30), s.Abandon, in.ID)
			continue
		case r < 18:
			continue // still qualifying
		}
		v.after(between(2, 30), s.Next, in.ID)
		switch {
		case r < 28:
			v.after(between(24, 140), s.Abandon, in.ID)
			continue
		case r < 36:
			continue // still developing
		}
		v.after(between(24, 120), s.Next, in.ID)
		if r < 46 { // back to develop for a better proposal
			v.after(between(8, 30), s.Prev, in.ID)
			v.after(between(12, 48), s.Next, in.ID)
		}
		if r < 54 {
			continue // still proposing
		}
		v.after(between(8, 60), s.Next, in.ID)
		if r < 60 {
			continue // closing
		}
		v.after(between(4, 36), s.Finish, in.ID)
	}
	rep, err := Build(v.ctx, v.s, Options{Flow: "lead_to_opportunity", Now: v.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := Write(&page, rep, "html"); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(samplePath, page.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(page.Bytes(), want) {
		t.Errorf("the sample report differs from %s; if the change is intended, rewrite it with go test -update", samplePath)
	}
}
