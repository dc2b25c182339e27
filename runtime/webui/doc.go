// Package webui serves the web pages of an environment beside its Web API
// (bpfc serve): / lists the tables and the flows the user may see;
// /records/{table} a table's newest records with each one's active flow
// and stage, and a form that creates a record (and starts its default
// flow, another one, or none); /records/{table}/{id} a record with the
// process bar of the chosen instance — its stages with their tables, the
// completed and the active stage, the path as it resolves now on the
// current values with its branches — the active stage's steps as form
// fields (an input fitting each column's type, required steps marked),
// Next, Previous, Finish, Abandon, Reactivate and the stage's action
// steps, a switcher between the record's instances, and the record's own
// columns. Each stage of the bar opens the page showing it read-only
// (?stage=NAME: its record and its steps' values; beside a stage form
// that may be typed in, a button of the form that saves what was typed
// first, process.go), with Set Active on
// every completed stage, which moves the instance back there in one move
// (engine Session.PrevTo). Beside such a form, the page's other links
// that leave it (top bar, crumbs, switcher, flow, lookups, Start, Sign
// out) are its buttons too,
// saving what was typed before going (leave.go);
// /flows/{flow} the flow's graph (as bpfc graph draws it) and its report
// (as bpfc report --format html writes it); /flows/{flow}/instances its
// instances that no record page reaches (their records deleted, as an
// instance outlives them, or not readable by the user);
// /flows/{flow}/instances/{id} an
// instance's own page, as Dataverse opens a row of a flow's instance
// table: its bar, each stage read-only, its records (or that they were
// deleted), its stage history, and what works without a record —
// Abandon, Reactivate, Delete (instance.go).
//
// Every change is a form post that goes through the engine, so the rules
// and roles of the CLI and the Web API apply; the answer is a redirect to
// the page the form came from, where the outcome is shown (Post/Redirect/
// Get; the outcome travels in a short-lived cookie). A refused move names
// its reason beside the steps it concerns. The stage form carries the
// instance's and the record's row versions: when someone else moved the
// instance or changed the record since the page was shown, the engine
// refuses the change (ConflictError) and the reloaded page says so;
// nothing is overwritten. What the user typed is not lost with it: the
// stage form also posts the values it showed, so a post refused before
// the typed values were saved (a conflict, a value that does not fit) is
// answered by the record page itself (409, 422; not a redirect, so the
// values never go into the flash cookie, which holds 4 KB and would
// outlive the answer), the typed values in the form, each marked "Not
// saved" beside the value stored now, and the form at the current
// versions, so that saving again overwrites the other change on purpose
// (typed.go). The flash cookie names the user whose post it answers and,
// when it keeps a create form's values, that form's page.
//
// Sign-in: New makes a random one-time secret (SignInPath) that signs the
// administrator in once. Opening the link (GET /signin?token=…) signs no
// one in: it shows a "Sign in as admin" button whose form posts the secret
// to /signin, and only that post uses it up, so a chat or mail client that
// fetches the link for a preview does not spend it. Others post a bearer
// token of theirs (bpfc user token). Either way the pages issue a session
// token through the engine (IssueSession: kept hashed in the environment,
// revocable, valid on every server of a database, never a Web API
// credential), held in an HttpOnly, SameSite=Lax cookie (Secure over TLS)
// and revoked on sign-out; a session lasts Config.SessionTTL.
// Forms are protected twice: net/http's CrossOriginProtection refuses a
// browser's cross-origin post, and every form of a session carries a token
// derived from the session's secret.
//
// The pages are html/template documents with a little plain CSS and
// JavaScript embedded in the binary; nothing is loaded from elsewhere, and
// everything works with JavaScript off. They read what is deployed — the
// snapshots of the installed builds, as the engine runs them — never a
// project's sources.
//
// Entry point: New(Config) returns an http.Handler for webapi's
// Server.SetPages.
package webui
