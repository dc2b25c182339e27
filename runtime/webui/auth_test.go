package webui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestSignInLinkOnce: opening the administrator's link (twice) signs no
// one in and shows a button; the button's post signs in once, into a
// session that is a stored (hashed) token in an HttpOnly, SameSite cookie;
// the link does not work again.
func TestSignInLinkOnce(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	p := b.get("/")
	if p.status != http.StatusSeeOther || p.location != "/signin?next=%2F" {
		t.Fatalf("signed out: %d %q", p.status, p.location)
	}
	b.get("/signin?next=%2F").must(t, http.StatusOK, `<label for="token">Token</label>`, `name="next" value="/"`).lacks(t, `name="once"`)

	link := f.ui.SignInPath()
	secret := strings.TrimPrefix(link, "/signin?token=")
	var linkPage *page
	for range 2 {
		linkPage = b.get(link).must(t, http.StatusOK, "Sign in as admin", `name="once" value="`+secret+`"`).lacks(t, `name="token"`)
		checkSignInHeaders(t, "the link's page", linkPage)
		if c := linkPage.sessionCookie(); c != nil {
			t.Fatalf("opening the link set a session cookie: %+v", c)
		}
		if p := b.get("/"); p.status != http.StatusSeeOther {
			t.Fatalf("opening the link signed in: %d", p.status)
		}
	}

	p = b.signInOnce(linkPage)
	if p.status != http.StatusSeeOther || p.location != "/" {
		t.Fatalf("one-time sign-in: %d %q %s", p.status, p.location, p.body)
	}
	checkSignInHeaders(t, "the sign-in", p)
	session := p.sessionCookie()
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
		t.Fatalf("session cookie: %+v", session)
	}
	b.get("/").must(t, http.StatusOK, "Signed in as <strong>admin</strong>", "Tables and flows")

	// The session is a token of the environment, kept hashed.
	tokens, err := f.eng.As("admin").Tokens(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tk := range tokens {
		if tk.Label == engine.SessionLabel {
			found = tk.Hash == engine.HashToken(session.Value) && !strings.Contains(tk.Hash, session.Value)
		}
	}
	if !found {
		t.Errorf("no stored session token for the cookie: %+v", tokens)
	}
	// A session is not a credential of the Web API, nor one to sign in
	// with again (a new session each time, for ever).
	if user, err := f.eng.Authenticate(context.Background(), session.Value); !errors.Is(err, engine.ErrUnauthenticated) {
		t.Errorf("the session cookie authenticates to the Web API: %q %v", user, err)
	}
	f.browser().post("/signin", url.Values{"token": {session.Value}}).must(t, http.StatusUnauthorized, "unknown or revoked")
	if _, _, err := f.eng.As("admin").IssueToken(context.Background(), "admin", "Web sign-in "); err == nil {
		t.Error("a token of bpfc user token took the sessions' label")
	}

	// Used once: posting the secret again, from this browser or another,
	// is refused. Opening the link still shows the button (it tells nothing).
	b.signInOnce(linkPage).must(t, http.StatusForbidden, "was used already or has expired")
	other := f.browser()
	p = other.signInOnce(other.get(link).must(t, http.StatusOK, "Sign in as admin"))
	p.must(t, http.StatusForbidden, "was used already or has expired")
	checkSignInHeaders(t, "a used link", p)
	if c := p.sessionCookie(); c != nil {
		t.Errorf("a used link set a session cookie: %+v", c)
	}
	if p := other.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("second use signed in: %d", p.status)
	}
	other.post("/signin", url.Values{"once": {"nonsense"}}).must(t, http.StatusForbidden, "was used already or has expired")
	other.post("/signin", url.Values{"once": {""}}).must(t, http.StatusForbidden, "was used already or has expired")
}

// TestSignInLinkPreview: a link preview (a chat or mail client fetching
// the link with GET or HEAD) gets the page and no session, and spends
// nothing: the person who then presses the button signs in, and lands
// where the link's next says. A wrong secret gets the same page as the
// right one.
func TestSignInLinkPreview(t *testing.T) {
	f := newFixture(t)
	link := f.ui.SignInPath() + "&next=%2Frecords%2Flead"
	preview := f.browser()
	var seen *page
	for range 3 {
		seen = preview.get(link).must(t, http.StatusOK, "Sign in as admin", `name="next" value="/records/lead"`,
			`href="/signin?next=%2frecords%2flead">Sign in with a token instead`)
		if c := seen.sessionCookie(); c != nil {
			t.Fatalf("a preview got a session cookie: %+v", c)
		}
	}
	req, err := http.NewRequest("HEAD", f.srv.URL+link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := preview.do(req); p.status != http.StatusOK || p.sessionCookie() != nil {
		t.Fatalf("HEAD of the link: %d %v", p.status, p.header)
	}
	u, _ := url.Parse(f.srv.URL)
	if cs := preview.jar.Cookies(u); len(cs) != 0 {
		t.Fatalf("a preview holds cookies: %v", cs)
	}
	if p := preview.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("a preview signed in: %d", p.status)
	}

	// A wrong secret: the same page, nothing said about the secret.
	wrong := preview.get("/signin?token=nonsense&next=%2Frecords%2Flead").must(t, http.StatusOK, "Sign in as admin")
	if strings.ReplaceAll(wrong.body, "nonsense", seen.hidden(t, "once")) != seen.body {
		t.Errorf("a wrong secret's page differs from the right one's:\n%s\n%s", wrong.body, seen.body)
	}

	// A post from another site is refused and spends nothing.
	person := f.browser()
	page := person.get(link).must(t, http.StatusOK)
	form := url.Values{"once": {page.hidden(t, "once")}, "next": {"/records/lead"}}
	person.post("/signin", form, "Sec-Fetch-Site", "cross-site").must(t, http.StatusForbidden, "from another site")
	person.post("/signin", form, "Origin", "https://evil.example").must(t, http.StatusForbidden, "from another site")

	// The person presses the button: signed in, where the link went.
	p := person.signInOnce(page)
	if p.status != http.StatusSeeOther || p.location != "/records/lead" || p.sessionCookie() == nil {
		t.Fatalf("sign-in after a preview: %d %q %s", p.status, p.location, p.body)
	}
	person.get("/records/lead").must(t, http.StatusOK, "Signed in as <strong>admin</strong>")
}

// checkSignInHeaders fails unless a sign-in answer keeps the secret out of
// caches and out of Referer headers to other sites.
func checkSignInHeaders(t *testing.T, what string, p *page) {
	t.Helper()
	if got := p.header.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("%s: Referrer-Policy %q", what, got)
	}
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control %q", what, got)
	}
}

// TestSignInWithToken: another user signs in with a token of theirs and
// lands where they were going; a wrong token is refused; signing out
// revokes the session (not the token signed in with).
func TestSignInWithToken(t *testing.T) {
	f := newFixture(t)
	tok := f.addUser("sam", "salesperson")
	b := f.browser()
	b.post("/signin", url.Values{"token": {"bpfc_wrong"}}).must(t, http.StatusUnauthorized, "unknown or revoked")
	b.post("/signin", url.Values{"token": {""}}).must(t, http.StatusUnauthorized, "unknown or revoked")
	p := b.post("/signin", url.Values{"token": {tok}, "next": {"/records/lead"}})
	if p.status != http.StatusSeeOther || p.location != "/records/lead" {
		t.Fatalf("sign in: %d %q", p.status, p.location)
	}
	// An address elsewhere is not followed.
	p = f.browser().post("/signin", url.Values{"token": {tok}, "next": {"//evil.example/"}})
	if p.status != http.StatusSeeOther || p.location != "/" {
		t.Errorf("next elsewhere: %d %q", p.status, p.location)
	}
	home := b.get("/").must(t, http.StatusOK, "Signed in as <strong>sam</strong>")

	cookie := ""
	u, _ := url.Parse(f.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == cookieName {
			cookie = c.Value
		}
	}
	// /signout as a link: the page with the Sign out button, saying so.
	b.get("/signout").must(t, http.StatusMethodNotAllowed, "press Sign out at the top of this page", `<form class="signout" method="post" action="/signout">`)
	// Sign out needs the form token.
	b.post("/signout", url.Values{}).must(t, http.StatusForbidden)
	p = b.post("/signout", url.Values{"csrf": {home.csrf(t)}})
	if p.status != http.StatusSeeOther || p.location != "/signin" {
		t.Fatalf("sign out: %d %q %s", p.status, p.location, p.body)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("after sign out: %d", p.status)
	}
	// A form posted after signing out (from a page left open) is a 401
	// whose sign-in link comes back to that page; one from elsewhere, or
	// with no Referer, to the tables and flows.
	for ref, next := range map[string]string{f.srv.URL + "/records/lead?x=1": "/records/lead?x=1", "http://evil.example/a": "/", "": "/"} {
		p := b.post("/records/lead", url.Values{"csrf": {home.csrf(t)}}, "Referer", ref)
		p.must(t, http.StatusUnauthorized, "Your session has ended", `href="/signin?next=`+url.QueryEscape(next)+`">Sign in again</a>`)
	}
	// The session's token is revoked, even for a client that kept it...
	replay := f.browser()
	replay.jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: cookie}})
	if p := replay.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("a signed-out session still works: %d", p.status)
	}
	if _, err := f.eng.Authenticate(context.Background(), cookie); err == nil {
		t.Error("the session token was not revoked")
	}
	// ...and the token sam signed in with still works.
	if user, err := f.eng.Authenticate(context.Background(), tok); err != nil || user != "sam" {
		t.Errorf("sam's own token: %q %v", user, err)
	}
}

// TestSessionExpires: a session older than its TTL signs out.
func TestSessionExpires(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	b.get("/").must(t, http.StatusOK)
	f.clock.Advance(13 * time.Hour)
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("an expired session: %d", p.status)
	}
	p := b.post("/records/lead", url.Values{"csrf": {"x"}})
	p.must(t, http.StatusUnauthorized, "Sign in again")
	// An older bpfc's session (the API's prefix, the sessions' label) is
	// no API token either.
	const old = "bpfc_an-older-session"
	if err := f.s.Write(context.Background(), func(tx store.Tx) error {
		return tx.(store.TokenTx).PutToken(store.Token{ID: "oldsess", User: "admin", Hash: engine.HashToken(old),
			Label: engine.SessionLabel, CreatedOn: f.clock.Now(), CreatedBy: "admin"})
	}); err != nil {
		t.Fatal(err)
	}
	if user, err := f.eng.Authenticate(context.Background(), old); !errors.Is(err, engine.ErrUnauthenticated) {
		t.Errorf("an older session authenticates to the Web API: %q %v", user, err)
	}
}

// TestFormsAreProtected: a form post without the session's token, or sent
// by a browser from another site, changes nothing.
func TestFormsAreProtected(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	token := b.get("/records/lead").must(t, http.StatusOK).csrf(t)
	form := url.Values{"f_subject": {"Forged"}, "f_lastname": {"Mallory"}, "flow": {"-"}}
	b.post("/records/lead", form).must(t, http.StatusForbidden, "not from this session")
	form.Set("csrf", "0123456789abcdef0123456789abcdef")
	b.post("/records/lead", form).must(t, http.StatusForbidden, "not from this session")
	form.Set("csrf", token)
	b.post("/records/lead", form, "Sec-Fetch-Site", "cross-site").must(t, http.StatusForbidden, "from another site")
	b.post("/records/lead", form, "Origin", "https://evil.example").must(t, http.StatusForbidden, "from another site")
	recs, err := f.eng.As("admin").Records(context.Background(), "lead")
	if err != nil || len(recs) != 0 {
		t.Fatalf("forged posts created %d leads (%v)", len(recs), err)
	}
	// The same form from the page itself works.
	p := b.post("/records/lead", form, "Sec-Fetch-Site", "same-origin", "Origin", f.srv.URL)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/records/lead/") {
		t.Fatalf("create: %d %q %s", p.status, p.location, p.body)
	}
	// Signed-out pages have the security headers too.
	p = f.browser().get("/signin")
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if p.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", p.header.Get("X-Content-Type-Options"))
	}
}

// TestRolesHideAndRefuse: a user sees only the flows their roles let them
// read, and a change their roles do not allow is refused by the engine
// even when the form is forged.
func TestRolesHideAndRefuse(t *testing.T) {
	f := newFixture(t, "viewer.hcl", `
role "deal_viewer" {
  grant "strategic_deal" {
    privileges = ["read"]
    depth      = "organization"
  }
}
`)
	lead, inst := f.createLead("strategic_deal", engine.Values{"budgetamount": "90000", "purchasetimeframe": "Immediate", "decisionmaker": "yes"})
	f.addUser("cara", "customer_service_representative")
	viewerToken := f.addUser("vic", "deal_viewer")

	cara := f.browser()
	tok, _, err := f.eng.As("admin").IssueToken(context.Background(), "cara", "")
	if err != nil {
		t.Fatal(err)
	}
	cara.signInWith(tok)
	cara.get("/").must(t, http.StatusOK, "Phone to Case").lacks(t, "Strategic Deal Process", "Lead to Opportunity")
	cara.get("/flows/strategic_deal").must(t, http.StatusNotFound)
	cara.get("/flows/strategic_deal/graph.svg").must(t, http.StatusNotFound)
	cara.get("/flows/strategic_deal/report").must(t, http.StatusNotFound)
	// The lead is not hers to read (the engine's record privileges).
	cara.get("/records/lead/"+lead).must(t, http.StatusForbidden).lacks(t, "Strategic Deal Process", `name="op"`)

	vic := f.browser()
	vic.signInWith(viewerToken)
	p := vic.get("/records/lead/"+lead).must(t, http.StatusOK, "Strategic Deal Process", "You may read this process but not change it")
	p.lacks(t, `value="next"`, `value="abandon"`, "Start a process")
	// A forged move: the engine refuses it and nothing moves.
	form := url.Values{"csrf": {p.csrf(t)}, "instance": {inst}, "version": {p.hidden(t, "version")}, "stage": {"qualify"}, "op": {"next"}}
	next := vic.follow(vic.post("/records/lead/"+lead+"/process", form))
	next.must(t, http.StatusOK, "may not change instances of flow strategic_deal")
	if in := f.instance(inst); in.ActiveStage != "qualify" {
		t.Errorf("a forged move moved the instance to %s", in.ActiveStage)
	}

	// A move the user may make on a record they may not read: made, and
	// said so on the records list rather than on a "Not allowed" page.
	sam := f.browser()
	sam.signInWith(f.addUser("sam", "salesperson"))
	home := sam.get("/").must(t, http.StatusOK)
	form = url.Values{"csrf": {home.csrf(t)}, "instance": {inst}, "version": {strconv.FormatInt(f.instance(inst).Version, 10)}, "op": {"abandon"}}
	moved := sam.post("/records/lead/"+lead+"/process", form)
	if moved.status != http.StatusSeeOther || moved.location != "/records/lead" {
		t.Fatalf("sam abandons on a lead he may not read: %d %q", moved.status, moved.location)
	}
	sam.follow(moved).must(t, http.StatusOK, "Abandoned.")
	if in := f.instance(inst); in.State != engine.StateAborted {
		t.Errorf("sam's abandon: %s", in.State)
	}
}

// TestBadRequests: bad addresses and forms get a clear page and status,
// never a crash.
func TestBadRequests(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("strategic_deal", nil)
	b := f.browser()
	b.signIn()
	csrf := b.get("/records/lead/"+lead).must(t, http.StatusOK).csrf(t)
	for path, status := range map[string]int{
		"/nowhere":                    http.StatusNotFound,
		"/records/nosuchtable":        http.StatusNotFound,
		"/records/cts_strategicdeal":  http.StatusNotFound, // an instance table
		"/records/systemuser":         http.StatusNotFound,
		"/records/lead/no-such-id":    http.StatusBadRequest, // no GUID: said so
		"/records/lead/" + lead + "x": http.StatusBadRequest,
		"/records/lead/" + strings.Replace(lead, lead[:8], "00000000", 1): http.StatusNotFound,
		"/flows/nosuchflow":                http.StatusNotFound,
		"/flows/nosuchflow/graph.svg":      http.StatusNotFound,
		"/records/lead/" + lead + "?x=%zz": http.StatusOK,
	} {
		if p := b.get(path); p.status != status || !strings.Contains(p.header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: %d %s, want %d", path, p.status, p.header.Get("Content-Type"), status)
		}
	}
	b.get("/records/lead/no-such-id").must(t, http.StatusBadRequest, "&#34;no-such-id&#34; is not a record id")
	post := func(form url.Values) *page {
		form.Set("csrf", csrf)
		return b.post("/records/lead/"+lead+"/process", form)
	}
	post(url.Values{"instance": {inst}, "version": {"abc"}, "op": {"next"}}).must(t, http.StatusBadRequest, "reload the page")
	post(url.Values{"instance": {inst}, "version": {"1"}, "op": {"jump"}}).must(t, http.StatusBadRequest, "Unknown operation")
	post(url.Values{"instance": {inst}, "version": {"1"}, "op": {"action:"}}).must(t, http.StatusBadRequest)
	p := post(url.Values{"instance": {"no-such-instance"}, "version": {"1"}, "op": {"next"}})
	if p.status != http.StatusNotFound {
		t.Errorf("an unknown instance: %d", p.status)
	}
	b.post("/records/lead/"+lead+"/start", url.Values{"csrf": {csrf}}).must(t, http.StatusBadRequest, "Choose a flow")
	b.follow(b.post("/records/lead/"+lead+"/start", url.Values{"csrf": {csrf}, "flow": {"phone_to_case"}})).
		must(t, http.StatusOK, "the flow runs on incident records, not lead")
	big := url.Values{"csrf": {csrf}, "f_subject": {strings.Repeat("x", 100<<10)}}
	b.post("/records/lead", big).must(t, http.StatusBadRequest, "could not be read")
	// A value that does not fit its column is shown beside its field, with
	// what was typed kept.
	p = b.follow(b.post("/records/lead", url.Values{"csrf": {csrf}, "f_subject": {"Fleet"}, "f_lastname": {strings.Repeat("n", 60)}}))
	p.must(t, http.StatusOK, `aria-invalid="true" aria-describedby="new-lastname-err"`, "is longer than 50 characters", strings.Repeat("n", 60))
	// The graph is the SVG bpfc graph draws; the report the HTML one.
	g := b.get("/flows/strategic_deal/graph.svg").must(t, http.StatusOK, "<svg", "Qualify")
	if g.header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("graph Content-Type %q", g.header.Get("Content-Type"))
	}
	b.get("/flows/strategic_deal/report").must(t, http.StatusOK, "<html", "Strategic Deal Process")
	b.get("/static/style.css").must(t, http.StatusOK, ".bar")
	if p := b.get("/static/nothing.css"); p.status != http.StatusNotFound {
		t.Errorf("a missing static file: %d", p.status)
	}
}

// TestSignInLinkExpires: the one-time link works for 15 minutes after the
// server starts, then never; signing in with a token still works.
func TestSignInLinkExpires(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	linkPage := b.get(f.ui.SignInPath()).must(t, http.StatusOK, "Sign in as admin")
	f.clock.Advance(15*time.Minute + time.Second)
	b.signInOnce(linkPage).must(t, http.StatusForbidden, "has expired")
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("an expired link signed in: %d", p.status)
	}
	f.clock.Set(f.clock.Now().Add(-time.Hour)) // back in time: still used up
	b.signInOnce(linkPage).must(t, http.StatusForbidden, "has expired")
	tok := f.addUser("ann", "salesperson")
	if p := b.post("/signin", url.Values{"token": {tok}}); p.status != http.StatusSeeOther {
		t.Fatalf("a token after the link expired: %d", p.status)
	}
}

// TestOwnRecordWhoseStageIsNot: a salesperson's own lead, whose process
// moved on to an opportunity someone else owns, opens: the process shows,
// the stage's steps (the opportunity's columns) do not, nor the moves that
// read it. It was a "Not allowed" page for the whole lead.
func TestOwnRecordWhoseStageIsNot(t *testing.T) {
	f := newFixture(t)
	bobToken := f.addUser("bob", "salesperson")
	ctx := context.Background()
	c, err := f.eng.As("bob").CreateRecord(ctx, "lead", engine.Values{"subject": "Fleet", "lastname": "Evans", "budgetamount": "90000",
		"purchasetimeframe": "Immediate", "decisionmaker": "yes"}, engine.StartOptions{Flow: "strategic_deal"})
	if err != nil || c.Instance == nil {
		t.Fatalf("bob's lead: %+v %v", c, err)
	}
	if _, err := f.eng.As("admin").Next(ctx, c.Instance.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	bob := f.browser()
	bob.signInWith(bobToken)
	p := bob.get("/records/lead/"+c.ID).must(t, http.StatusOK, "Evans", "Strategic Deal Process", "record is not readable by you: its steps are not shown")
	p.lacks(t, `value="next"`, `value="finish"`, "Estimated Revenue")
}
