package webui

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser tests: the pages in headless Chromium (Debian's chromium),
// driven with chromedp. Without a Chromium they are skipped, except under
// CI=true, where .ci/run installs one and its absence is a failure.

var update = flag.Bool("update", false, "rewrite the screenshots examples/sales/screenshots/record.png and flow.png")

// screenshotDir holds the screenshots shown in the README.
var screenshotDir = filepath.Join("..", "..", "examples", "sales", "screenshots")

// chromium finds the browser: $BPFC_CHROMIUM, else chromium on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BPFC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium: .ci/run installs Debian's chromium under CI=true")
	}
	t.Skip("no chromium on this machine (apt-get install chromium, or set BPFC_CHROMIUM): browser tests skipped")
	return ""
}

// tab is a headless Chromium tab on the fixture's server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	out  string // where screenshots go
	n    int
}

func newTab(t *testing.T, f *fixture) *tab {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser with no deadline (a deadline on the first run would
	// stop the browser with it); every later step has its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return &tab{t: t, ctx: ctx, base: f.srv.URL, out: t.ArtifactDir()}
}

// do runs steps with a deadline.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v\npage:\n%s", what, err, body)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript predicate holds on a loaded page; it
// outlasts navigations (an evaluation a navigation interrupts is retried).
func waitFor(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		full := `document.readyState === "complete" && !window.bpfcOld && !!(` + expr + `)`
		var last error
		for {
			ok, err := chromedp.Evaluate[bool](full)(ctx, t)
			if err == nil && ok {
				return nil
			}
			last = err
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w (last: %v)", expr, ctx.Err(), last)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// press clicks a button that posts a form, marking the page it leaves so
// that what follows waits for the next one.
func press(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Evaluate[chromedp.Void](`window.bpfcOld = true`), chromedp.Click(chromedp.CSS(sel)))
}

// message waits for the page's message (the outcome of the last post) to
// contain text.
func message(text string) chromedp.Action[chromedp.Void] {
	return waitFor(fmt.Sprintf(`Array.from(document.querySelectorAll(".flash")).some(e => e.textContent.includes(%q))`, text))
}

// shot writes a full-page screenshot to the test's output folder and
// returns it.
func (b *tab) shot(name string) []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return nil
	}
	b.n++
	path := filepath.Join(b.out, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, img, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
	return img
}

// activeStage is the name of the stage the bar highlights.
const activeStageJS = `(document.querySelector('.bar .stage.active .name') || {}).textContent`

// TestBrowserScenario: in Chromium, open the one-time link and press its
// button to sign in, create a lead, fill a required step, run an action,
// move next across tables (lead → opportunity), see a branch change the
// path, go on to the end, open a completed stage and set it active, move
// on again and finish; then read the page at 320 px. With
// -update it rewrites the README's screenshots of the record page and the
// flow page.
func TestBrowserScenario(t *testing.T) {
	f := newFixture(t)
	b := newTab(t, f)

	b.do("open the sign-in link", chromedp.Navigate(b.base+f.ui.SignInPath()), waitFor(`document.querySelector("#signin-once button")`))
	if got := eval[string](b, `document.querySelector("#signin-once button").textContent`); got != "Sign in as admin" {
		t.Errorf("the link's button: %q", got)
	}
	if eval[bool](b, `!!document.querySelector(".top .who")`) {
		t.Error("opening the sign-in link signed in")
	}
	b.shot("sign-in-link")
	b.do("sign in", press(`#signin-once button[type="submit"]`), waitFor(`document.querySelector("h1").textContent === "Tables and flows"`))
	if got := eval[string](b, `location.pathname`); got != "/" {
		t.Errorf("after the sign-in button: %s", got)
	}
	b.shot("signed-in")

	b.do("open the leads", press(`a[href="/records/lead"]`), waitFor(`document.querySelector("#new-lastname")`))
	b.do("create a lead",
		chromedp.SendKeys(chromedp.CSS("#new-firstname"), "Joe"),
		chromedp.SendKeys(chromedp.CSS("#new-lastname"), "Bloggs"),
		chromedp.SendKeys(chromedp.CSS("#new-subject"), "Fleet renewal: 40 trucks"),
		chromedp.SetValue(chromedp.CSS("#new-flow"), "strategic_deal"),
		press(`#create button[type="submit"]`),
		message("Strategic Deal Process started"))
	if got := eval[string](b, activeStageJS); got != "Qualify" {
		t.Errorf("active stage after create: %q", got)
	}
	b.shot("created")

	b.do("next without the required steps",
		press(`button[value="next"]`),
		message("required step"),
		waitFor(`document.querySelector("#step-budget-err")`))
	if got := eval[string](b, `document.activeElement.id`); got != "step-budget" {
		t.Errorf("the keyboard is not on the first refused step but on %q", got)
	}
	b.shot("refused")

	b.do("fill the required steps and run the action",
		chromedp.SendKeys(chromedp.CSS("#step-budget"), "250000"),
		chromedp.SetValue(chromedp.CSS("#step-timeframe"), "1"),
		chromedp.SetValue(chromedp.CSS("#step-decision_maker"), "true"),
		chromedp.SendKeys(chromedp.CSS("#step-summary"), "Forty trucks, renewal in Q3."),
		press(`button[value="action:verify"]`),
		message("Verify Lead: workflow verify_lead ran"))
	b.shot("action")

	b.do("move next across tables",
		press(`button[value="next"]`),
		message("Moved to Develop"))
	if got := eval[string](b, `location.pathname`); !strings.HasPrefix(got, "/records/opportunity/") {
		t.Errorf("after next: %s", got)
	}
	b.shot("develop")

	b.do("a small deal skips approval",
		chromedp.SendKeys(chromedp.CSS("#step-value"), "10000"),
		chromedp.SendKeys(chromedp.CSS("#step-customer_need"), "Forty trucks by September"),
		press(`.moves button[value="save"]`),
		message("Saved"))
	small := eval[string](b, `Array.from(document.querySelectorAll(".bar .name")).map(e => e.textContent).join(" ")`)
	b.do("a large deal takes approval",
		chromedp.SetValue(chromedp.CSS("#step-value"), ""),
		chromedp.SendKeys(chromedp.CSS("#step-value"), "180000"),
		press(`.moves button[value="save"]`),
		message("Saved"))
	large := eval[string](b, `Array.from(document.querySelectorAll(".bar .name")).map(e => e.textContent).join(" ")`)
	if small != "Qualify Develop Propose Close" || large != "Qualify Develop Approval Propose Close" {
		t.Errorf("the branch did not change the path: %q, then %q", small, large)
	}
	record := b.shot("branch")
	if *update {
		writeScreenshot(t, "record.png", record)
	}

	b.do("approve",
		press(`button[value="next"]`),
		message("Moved to Approval"),
		chromedp.Evaluate[chromedp.Void](`(s => { s.value = s.options[1].value; })(document.querySelector("#step-approver"))`),
		chromedp.SetValue(chromedp.CSS("#step-approved"), "true"),
		press(`button[value="next"]`),
		message("Moved to Propose"),
		chromedp.SetValue(chromedp.CSS("#step-develop_proposal"), "true"),
		press(`button[value="next"]`),
		message("Moved to Close"))
	b.shot("close")
	// A completed stage of the bar, opened by its button (the stage form
	// is beside it): read-only, and Set Active takes the instance back to
	// it.
	b.do("open a completed stage",
		press(`.bar button[value="show:propose"]`),
		waitFor(`document.querySelector("#stage-h") && document.querySelector("#stage-h").textContent.includes("Stage: Propose")`))
	if eval[bool](b, `!!document.querySelector("#step-develop_proposal")`) {
		t.Error("a completed stage shows its steps as inputs")
	}
	b.shot("stage")
	b.do("set active",
		press(`button[value="setactive"]`),
		message("Propose is the active stage now"),
		press(`button[value="next"]`),
		message("Moved to Close"))
	b.do("finish",
		chromedp.SetValue(chromedp.CSS("#step-decision_date"), "2026-06-30"),
		press(`button[value="finish"]`),
		message("Finished"),
		waitFor(`document.querySelector('button[value="reactivate"]')`))
	if got := eval[int](b, `document.querySelectorAll(".bar .stage.done").length`); got != 5 {
		t.Errorf("completed stages when finished: %d", got)
	}
	b.shot("finished")

	// Readable at 320 px: nothing wider than the screen.
	b.do("narrow", chromedp.EmulateViewport(320, 640), chromedp.Evaluate[chromedp.Void](`window.bpfcOld = true`), chromedp.Reload(), waitFor("true"))
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 320 {
		t.Errorf("at 320 px the record page is %d px wide", w)
	}
	b.shot("narrow")

	b.do("flow page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(b.base+"/flows/strategic_deal"),
		waitFor(`document.querySelector(".graph img").complete && document.querySelector(".graph img").naturalWidth > 0`))
	flow := b.shot("flow")
	if *update {
		writeScreenshot(t, "flow.png", flow)
	}
	b.do("flow page narrow", chromedp.EmulateViewport(320, 640), chromedp.Evaluate[chromedp.Void](`window.bpfcOld = true`), chromedp.Reload(), waitFor("true"))
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 320 {
		t.Errorf("at 320 px the flow page is %d px wide", w)
	}
}

func writeScreenshot(t *testing.T, name string, img []byte) {
	t.Helper()
	if len(img) == 0 {
		t.Fatalf("no screenshot for %s", name)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), img, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScreenshotsCheckedIn: the README's screenshots are there and are
// desktop-wide PNG images (TestBrowserScenario -update rewrites them).
func TestScreenshotsCheckedIn(t *testing.T) {
	for _, name := range []string{"record.png", "flow.png"} {
		data, err := os.ReadFile(filepath.Join(screenshotDir, name))
		if err != nil {
			t.Fatalf("%v (go test ./runtime/webui -run TestBrowserScenario -update writes it)", err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != 1280 || cfg.Height < 400 {
			t.Errorf("%s: %v %dx%d, want a 1280 px wide PNG", name, err, cfg.Width, cfg.Height)
		}
	}
}

// TestBrowserMultilineText: a text of several lines reads as several
// lines among the record's columns (and a completed stage's read-only
// steps, which are shown the same way), as it does in its text area.
func TestBrowserMultilineText(t *testing.T) {
	f := newFixture(t)
	lead, _ := f.createLead("strategic_deal", engine.Values{"qualificationcomments": "Twelve trucks\nTwo vans"})
	b := newTab(t, f)
	b.do("sign in", chromedp.Navigate(b.base+f.ui.SignInPath()), waitFor(`document.querySelector("#signin-once button")`),
		press(`#signin-once button[type="submit"]`), waitFor(`document.querySelector(".top .who")`))
	b.do("open the lead", chromedp.Navigate(b.base+recordHref("lead", lead)), waitFor(`document.querySelector(".cols dd")`))
	got := eval[string](b, `Array.from(document.querySelectorAll(".cols div")).
		find(d => d.querySelector("dt").textContent === "Qualification Comments").querySelector("dd").innerText`)
	if got != "Twelve trucks\nTwo vans" {
		t.Errorf("the record's columns show %q", got)
	}
	// Someone else changes the text while the page is open: the answer to
	// a Save shows what is stored now with its line breaks too.
	if _, err := f.eng.As("admin").UpdateRecord(context.Background(), "lead", lead,
		engine.Values{"qualificationcomments": "Ten trucks\nOne van"}, 0); err != nil {
		t.Fatal(err)
	}
	b.do("save over it", chromedp.SetValue(chromedp.CSS("#step-summary"), "Eleven trucks"), press(`.moves button[value="save"]`),
		waitFor(`document.querySelector("#step-summary-unsaved")`))
	if got := eval[string](b, `document.querySelector("#step-summary-unsaved").innerText`); got != "Not saved. Stored now: Ten trucks\nOne van" {
		t.Errorf("the stored value beside a refused one shows %q", got)
	}
}

// TestBrowserUnsavedSteps: steps typed and not saved are not lost without
// a word. Leaving the page by a link (the top of the page's) asks first; Abandon
// keeps them in the form, marked "Not saved", and Save then stores them; a
// page with nothing typed to lose leaves without asking. A stage of the
// bar, a button of the stage form, takes what was typed with it, saved,
// without asking.
func TestBrowserUnsavedSteps(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("strategic_deal", nil)
	b := newTab(t, f)
	asked := watchDialogs(b) // stays on a page that would lose steps; confirms an Abandon
	b.do("sign in", chromedp.Navigate(b.base+f.ui.SignInPath()), waitFor(`document.querySelector("#signin-once button")`),
		press(`#signin-once button[type="submit"]`), waitFor(`document.querySelector(".top .who")`))
	b.do("type a step and leave by a link", chromedp.Navigate(b.base+recordHref("lead", lead)), waitFor(`document.querySelector("#step-summary")`),
		chromedp.SendKeys(chromedp.CSS("#step-summary"), "Forty trucks"),
		// Every way out the page offers is a button of the stage form: an
		// address typed, or the back button, is what is left to ask about.
		chromedp.Evaluate[chromedp.Void](`setTimeout(() => { location.href = "/" }, 0)`))
	select {
	case <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("leaving a page with a step typed did not ask")
	}
	if got := eval[string](b, `document.querySelector("#step-summary").value`); got != "Forty trucks" {
		t.Errorf("after staying, the step holds %q", got)
	}

	b.do("abandon", press(`button[value="abandon"]`), message("What you typed in the steps was not saved"))
	if got := eval[string](b, `document.querySelector("#step-summary").value`); got != "Forty trucks" {
		t.Errorf("after Abandon, the step holds %q", got)
	}
	if got := f.instance(inst).State; got != engine.StateAborted {
		t.Errorf("after Abandon the instance is %s", got)
	}
	b.shot("abandoned-kept")
	b.do("save", press(`.moves button[value="save"]`), message("Saved."),
		chromedp.Click(chromedp.CSS(`.bar a[href*="stage=develop"]`)),
		waitFor(`document.querySelector("#stage-h").textContent.includes("Stage: Develop")`))
	if len(asked) > 0 {
		t.Error("leaving a page with nothing typed asked")
	}
	rec, err := f.eng.As("admin").Record(context.Background(), "lead", lead)
	if err != nil || rec.Values["qualificationcomments"] != "Forty trucks" {
		t.Errorf("after Save: %v %v", rec.Values["qualificationcomments"], err)
	}

	b.do("type a step and press a stage of the bar", chromedp.Navigate(b.base+recordHref("lead", lead)),
		waitFor(`document.querySelector('button[value="reactivate"]')`), press(`button[value="reactivate"]`), message("Reactivated."),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#step-summary").value = ""`), chromedp.SendKeys(chromedp.CSS("#step-summary"), "Fifty trucks"),
		press(`.bar button[value="show:develop"]`),
		waitFor(`document.querySelector("#stage-h").textContent.includes("Stage: Develop")`), message("Saved what you typed"))
	if len(asked) > 0 {
		t.Error("pressing a stage of the bar asked")
	}
	rec, err = f.eng.As("admin").Record(context.Background(), "lead", lead)
	if err != nil || rec.Values["qualificationcomments"] != "Fifty trucks" {
		t.Errorf("after the bar: %v %v", rec.Values["qualificationcomments"], err)
	}
}

// TestBrowserEnterSaves: Enter in a step's field submits the stage form
// with its default button, the first submit button of the form in the
// page. The bar's stages, buttons of the form above it, came first, so
// Enter on a later stage saved and left for the first stage, read-only;
// Enter is Save, as it was before the bar's stages were buttons.
func TestBrowserEnterSaves(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("strategic_deal", engine.Values{"budgetamount": "90000", "purchasetimeframe": "Immediate", "decisionmaker": "yes"})
	f.moveOn(inst, 1)
	b := newTab(t, f)
	b.do("sign in", chromedp.Navigate(b.base+f.ui.SignInPath()), waitFor(`document.querySelector("#signin-once button")`),
		press(`#signin-once button[type="submit"]`), waitFor(`document.querySelector(".top .who")`))
	b.do("type a revenue and press Enter", chromedp.Navigate(b.base+recordHref("lead", lead)), waitFor(`document.querySelector("#step-value")`),
		chromedp.Evaluate[chromedp.Void](`window.bpfcOld = true`), chromedp.SendKeys(chromedp.CSS("#step-value"), "5000\r"),
		waitFor(`document.querySelector("#stage-h")`))
	if got := eval[string](b, `document.querySelector("#stage-h").textContent`); !strings.Contains(got, "Active stage: Develop") {
		t.Errorf("after Enter the page shows %q, want the active stage's form", got)
	}
	if got := eval[string](b, `(document.querySelector("#message") || {}).textContent || ""`); got != "Saved." {
		t.Errorf("after Enter the message is %q, want Saved.", got)
	}
}

// TestBrowserLeaveKeepsTyped: beside a stage form being typed in, the
// crumbs, the switcher and the record's lookups are buttons of the form
// that read as the links they stand for, fit a 320 px screen, and take
// what was typed with them, saved, without asking.
func TestBrowserLeaveKeepsTyped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	opp, err := f.eng.As("admin").CreateRecord(ctx, "opportunity", engine.Values{"name": "Forty trucks deal"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	lead, _ := f.createLead("lead_to_opportunity", engine.Values{"qualifyingopportunityid": opp.ID})
	deal, err := f.eng.As("admin").Start(ctx, "strategic_deal", "lead", lead)
	if err != nil {
		t.Fatal(err)
	}
	b := newTab(t, f)
	asked := watchDialogs(b)
	b.do("sign in", chromedp.Navigate(b.base+f.ui.SignInPath()), waitFor(`document.querySelector("#signin-once button")`),
		press(`#signin-once button[type="submit"]`), waitFor(`document.querySelector(".top .who")`))
	b.do("open the lead", chromedp.Navigate(b.base+recordHref("lead", lead)+"?instance="+deal.ID), waitFor(`document.querySelector("#step-summary")`))
	for _, sel := range []string{`.crumbs button[value="leave:/records/lead"]`, `.switcher button[aria-current="page"]`,
		`.cols button[value="leave:` + recordHref("opportunity", opp.ID) + `"]`} {
		if !eval[bool](b, `!!document.querySelector(`+fmt.Sprintf("%q", sel)+`)`) {
			t.Errorf("no %s", sel)
		}
	}
	// A crumb reads as a link: the accent colour, underlined, no border.
	if got := eval[string](b, `(s => s.textDecorationLine + " " + s.borderTopStyle)(getComputedStyle(document.querySelector(".crumbs button")))`); got != "underline none" {
		t.Errorf("a crumb's button is styled %q", got)
	}
	b.shot("leave-buttons")
	b.do("narrow", chromedp.EmulateViewport(320, 640), chromedp.Evaluate[chromedp.Void](`window.bpfcOld = true`), chromedp.Reload(),
		waitFor(`document.querySelector(".switcher button")`))
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 320 {
		t.Errorf("at 320 px the record page with the switcher's buttons is %d px wide", w)
	}
	b.shot("leave-buttons-narrow")

	b.do("type a step and leave by the crumbs", chromedp.EmulateViewport(1280, 900), chromedp.SendKeys(chromedp.CSS("#step-summary"), "Forty trucks"),
		press(`.crumbs button[value="leave:/records/lead"]`), message("Saved what you typed in the steps of Qualify on Bloggs."))
	if got := eval[string](b, `location.pathname`); got != "/records/lead" {
		t.Errorf("the crumb led to %s", got)
	}
	if len(asked) > 0 {
		t.Error("leaving by a button of the stage form asked")
	}
	rec, err := f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil || rec.Values["qualificationcomments"] != "Forty trucks" {
		t.Errorf("after the crumb: %v %v", rec.Values["qualificationcomments"], err)
	}

	// The top bar and Start: buttons of the stage form too, the brand and
	// the links reading as before, at 320 px as at full width.
	b.do("the top bar", chromedp.Navigate(b.base+recordHref("lead", lead)+"?instance="+deal.ID), waitFor(`document.querySelector("#step-summary")`))
	for _, sel := range []string{`.top button.brand[value="leave:/"]`, `.top nav button[value="leave:/"]`, `.top button[value="signout"]`,
		`#start-flow[form="stage-form"]`, `button[value="start"][form="stage-form"]`} {
		if !eval[bool](b, `!!document.querySelector(`+fmt.Sprintf("%q", sel)+`)`) {
			t.Errorf("no %s", sel)
		}
	}
	style := `(s => s.textDecorationLine + " " + s.borderTopStyle + " " + s.color)(getComputedStyle(document.querySelector(%q)))`
	if got := eval[string](b, fmt.Sprintf(style, ".top button.brand")); got != "none none rgb(27, 31, 36)" {
		t.Errorf("the brand's button is styled %q", got)
	}
	if got := eval[string](b, fmt.Sprintf(style, ".top nav button")); got != "underline none rgb(11, 92, 173)" {
		t.Errorf("the top bar's link button is styled %q", got)
	}
	// Enter in a step still saves: the hidden Save is the form's first button.
	if got := eval[string](b, `Array.from(document.querySelectorAll('button[form="stage-form"], #stage-form button')).find(e => e.form && e.form.id === "stage-form").outerHTML`); !strings.Contains(got, `value="save" hidden`) {
		t.Errorf("the stage form's first button is %s", got)
	}
	b.do("narrow top bar", chromedp.EmulateViewport(320, 640), chromedp.Evaluate[chromedp.Void](`window.bpfcOld = true`), chromedp.Reload(),
		waitFor(`document.querySelector(".top button.brand")`))
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 320 {
		t.Errorf("at 320 px the record page with the top bar's buttons is %d px wide", w)
	}
	b.shot("top-bar-narrow")
	b.do("type a step and start a flow the record has", chromedp.EmulateViewport(1280, 900),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#step-summary").value = ""`), chromedp.SendKeys(chromedp.CSS("#step-summary"), "Sixty trucks"),
		chromedp.SetValue(chromedp.CSS("#start-flow"), "lead_to_opportunity"), press(`button[value="start"]`),
		message("Saved what you typed in the steps of Qualify on Bloggs. This record already has the Lead to Opportunity Sales Process"))
	rec, err = f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil || rec.Values["qualificationcomments"] != "Sixty trucks" {
		t.Errorf("after Start: %v %v", rec.Values["qualificationcomments"], err)
	}
	b.do("type a step and sign out", chromedp.Navigate(b.base+recordHref("lead", lead)+"?instance="+deal.ID), waitFor(`document.querySelector("#step-summary")`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#step-summary").value = ""`), chromedp.SendKeys(chromedp.CSS("#step-summary"), "Seventy trucks"),
		press(`.top button[value="signout"]`), waitFor(`document.querySelector("h1").textContent == "Sign in"`))
	if got := eval[string](b, `document.querySelector(".flash.ok").textContent`); got != "Saved what you typed in the steps of Qualify on Bloggs. You are signed out." {
		t.Errorf("after Sign out the page says %q", got)
	}
	if len(asked) > 0 {
		t.Error("Start or Sign out with steps typed asked")
	}
	rec, err = f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil || rec.Values["qualificationcomments"] != "Seventy trucks" {
		t.Errorf("after Sign out: %v %v", rec.Values["qualificationcomments"], err)
	}
}

// watchDialogs answers the page's dialogs: it stays on a page that would
// lose steps (counting each such prompt on the channel) and confirms the
// rest.
func watchDialogs(b *tab) chan struct{} {
	asked := make(chan struct{}, 10)
	go func() {
		for e, err := range chromedp.Events(b.ctx, cdppage.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			stay := e.Type == cdppage.DialogTypeBeforeunload
			if stay {
				asked <- struct{}{}
			}
			go chromedp.Call(b.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: !stay})
		}
	}()
	return asked
}

// TestBrowserNoDoubleSubmit: a second press while a post of the stage form
// is under way sends nothing more: app.js disables the form's buttons,
// those outside it too (the bar's stages, the crumbs). No timing: the
// server holds the first post back until the page has pressed again, and
// counts the posts; had a press sent the form again, the browser would
// have dropped the first post for the second, whose answer would be the
// page loaded.
//
// The page presses itself (element.click(), as a user's press, ignored on
// a disabled button): while a navigation is pending, Chromium holds back
// DevTools commands to the page until it commits, so chromedp cannot
// press then. The page learns that the first post reached the server from
// an image the server answers only then (a press before it would only
// replace a submission not yet sent), and says it pressed by loading
// another (the pages' Content-Security-Policy allows no fetch).
func TestBrowserNoDoubleSubmit(t *testing.T) {
	f := newFixture(t)
	lead, _ := f.createLead("strategic_deal", nil)
	b := newTab(t, f)
	b.do("sign in", chromedp.Navigate(b.base+f.ui.SignInPath()), waitFor(`document.querySelector("#signin-once button")`),
		press(`#signin-once button[type="submit"]`), waitFor(`document.querySelector(".top .who")`))
	b.do("open the lead", chromedp.Navigate(b.base+recordHref("lead", lead)), waitFor(`document.querySelector("#step-summary")`))

	const sentPath, pressedPath = "/test/first-post-sent", "/test/pressed-again"
	var posts atomic.Int32
	sent, pressed, held := make(chan struct{}), make(chan struct{}, 1), make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(held) }) }
	t.Cleanup(release) // before the server's Close, which waits for the post
	hook := func(r *http.Request) {
		switch {
		case r.URL.Path == sentPath:
			<-sent
		case r.URL.Path == pressedPath:
			pressed <- struct{}{}
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/process") && posts.Add(1) == 1:
			close(sent)
			<-held
		}
	}
	f.hook.Store(&hook)

	b.do("type a step and save, pressing again while it is sent",
		chromedp.Evaluate[chromedp.Void](`document.addEventListener("submit", () => {
			const sent = new Image();
			sent.onload = sent.onerror = () => {
				for (const sel of ['.moves button[value="save"]', '.bar button[value="show:develop"]', '.crumbs button[value="leave:/records/lead"]']) {
					document.querySelector(sel).click();
				}
				new Image().src = "`+pressedPath+`";
			};
			sent.src = "`+sentPath+`";
		}, {once: true})`),
		chromedp.SendKeys(chromedp.CSS("#step-summary"), "Forty trucks"), press(`.moves button[value="save"]`))
	select {
	case <-pressed:
	case <-time.After(30 * time.Second):
		t.Fatal("the page did not press again")
	}
	release()
	b.do("the answer", waitFor(`document.querySelector(".flash")`))
	if n := posts.Load(); n != 1 {
		t.Errorf("the stage form was posted %d times, want once", n)
	}
	if got := eval[string](b, `document.querySelector(".flash").textContent`); got != "Saved." {
		t.Errorf("the answer says %q, want Save's", got)
	}
	rec, err := f.eng.As("admin").Record(context.Background(), "lead", lead)
	if err != nil || rec.Values["qualificationcomments"] != "Forty trucks" {
		t.Errorf("after Save: %v %v", rec.Values["qualificationcomments"], err)
	}
}
