package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/runtime/webui"
	"github.com/bpfc/bpfc/runtime/workflow"
)

type serveOptions struct {
	env  string
	addr string
	// as is the user the one-time sign-in link signs in to the pages
	// (the environment's administrator by default).
	as       string
	logJSON  bool
	noWorker bool
	// interrupts are SIGINT and SIGTERM (nil: the process's own).
	interrupts <-chan os.Signal
}

func newServeCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve --env E [--addr 127.0.0.1:8080]",
		Short: "Serve an environment's Web API and web pages, with a workflow worker",
		Long: "serve serves environment E in the shape of the Dataverse Web API under /api/data/v9.2/:\n" +
			"entity sets for every table and flow instance table (GET with $select, $filter,\n" +
			"$orderby, $top and paging; POST, PATCH, DELETE with ETags), the functions\n" +
			"RetrieveProcessInstances and RetrieveActivePath, and ImportSolution, which\n" +
			"bpfc deploy uses for an environment with url = \"http://…\".\n\n" +
			"Every request needs Authorization: Bearer TOKEN (bpfc user token NAME --env E)\n" +
			"and acts as the token's user, with its roles. One log line per request goes to\n" +
			"stderr. Background workflows run in a worker beside the server (--no-worker: not\n" +
			"here). SIGINT or SIGTERM stop it gracefully: it takes no more jobs, and the\n" +
			"requests in flight and the job the worker is running finish first (up to 30 s);\n" +
			"a second signal stops it at once: a job still running goes back to the queue at\n" +
			"the step it reached (not counted as an attempt), for another worker to take.\n\n" +
			"Beside the API it serves web pages for people: / (tables and flows),\n" +
			"/records/TABLE, /records/TABLE/ID (the process bar, the active stage's steps and\n" +
			"the moves), /flows/FLOW (graph and report), /flows/FLOW/instances (the\n" +
			"processes whose records were deleted, each on its own page). At start it\n" +
			"prints a one-time sign-in link for the administrator (--as USER: for USER,\n" +
			"whose roles the pages then enforce); others sign in with a token of theirs.\n\n" +
			"--output json prints {\"environment\", \"url\", \"signin\"} once listening.",
		Example: "  bpfc serve --env dev\n" +
			"  bpfc serve --env dev --addr 127.0.0.1:0 --log-json\n" +
			"  # a second server on the same store, the first one running the workflows:\n" +
			"  bpfc serve --env dev --addr 127.0.0.1:8081 --no-worker",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(cmd.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.env, "env", "", "the environment to serve (required)")
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT` (port 0: any free port)")
	cmd.Flags().StringVar(&o.as, "as", sqlstore.AdminUser, "the `USER` the one-time sign-in link signs in to the web pages, with that user's roles (API requests act as their token's user)")
	cmd.Flags().BoolVar(&o.logJSON, "log-json", false, "write the request log as JSON lines")
	cmd.Flags().BoolVar(&o.noWorker, "no-worker", false, "do not run background workflows here (another server or bpfc job run does)")
	return cmd
}

func runServe(ctx context.Context, g *globals, o *serveOptions) error {
	if o.env == "" {
		return envRequired(g, "serve")
	}
	if err := addrArg(o.addr); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	p, ok := loadForRuntime(g, o.env)
	if !ok {
		return failed()
	}
	tuneGC(os.LookupEnv)
	s, loc, err := openDeployed(ctx, g, p, o.env)
	if err != nil {
		return err
	}
	defer s.Close()
	var h slog.Handler = slog.NewTextHandler(g.stderr, nil)
	if o.logJSON {
		h = slog.NewJSONHandler(g.stderr, nil)
	}
	log := slog.New(h).With("env", o.env)
	kr := secret.NewKeyring(p.Dir, os.Getenv)
	warnUnopenedSecrets(ctx, g, s, kr)
	// The workflow runtime runs realtime workflows inside transitions and,
	// as a worker beside the server, the background queue. Several servers
	// on one database each run one: a job is claimed by one worker only.
	runner := workflow.New(s, workflow.Options{Keyring: kr, Log: log.With("component", "worker")})
	var workers []webapi.Worker
	if !o.noWorker {
		workers = append(workers, runner.RunUntil)
	}
	abandon := make(chan struct{})
	srv := webapi.New(webapi.Config{Store: s, Project: p, Env: o.env, Logger: log,
		EngineOptions: engine.Options{Keyring: kr, Hooks: runner}, Abandon: abandon})
	as := o.as
	// The link's user must be one who may sign in: a user of the
	// environment, enabled, with a role (as --as of every run-time command).
	if _, err := srv.Engine().As(as).Users(ctx); err != nil {
		return runtimeErr(err)
	}
	pages, err := webui.New(webui.Config{Engine: srv.Engine(), Store: s, Logger: log.With("component", "pages"), Admin: as})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv.SetPages(pages)
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return &exitError{code: 1, msg: "serve: " + listenError(err, o.addr)}
	}
	if host, _, _ := net.SplitHostPort(o.addr); !isLoopback(host) {
		fmt.Fprintf(g.stderr, "warning: serving on %s, beyond this machine, without TLS: tokens travel in clear text\n", ln.Addr())
	}
	url := "http://" + ln.Addr().String() + webapi.Prefix
	signin := "http://" + linkHost(ln.Addr()) + pages.SignInPath()
	if g.output == "json" {
		if err := writeJSON(g.stdout, map[string]string{"environment": o.env, "url": url, "signin": signin}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "Serving environment %s (%s) on %s\n", o.env, loc.Display, url)
		fmt.Fprintf(g.stdout, "Web pages: sign in as %s with this one-time link: %s\n", as, signin)
	}
	interrupts := o.interrupts
	if interrupts == nil {
		sigs, stop := signals()
		defer stop()
		interrupts = sigs
	}
	// The first interrupt shuts down gracefully (requests in flight and
	// the job in hand end: a webhook being posted is answered, not posted
	// again by the next worker); a second one ends it at once.
	ctx, shutDown := context.WithCancel(ctx)
	defer shutDown()
	served := make(chan struct{})
	defer close(served)
	onInterrupts(interrupts, served, func() {
		fmt.Fprintln(g.stderr, "bpfc: serve: stopping when the requests in flight and the job in hand end; interrupt again to stop at once")
		shutDown()
	}, func() { close(abandon) })
	err = srv.Serve(ctx, ln, workers...)
	if isClosed(abandon) {
		return &exitError{code: 1, msg: "serve: stopped at once: requests in flight were cut off (what they had not committed was not kept) " +
			"and the job in hand went back to the queue at the step it reached"}
	}
	if err != nil {
		return &exitError{code: 1, msg: "serve: " + err.Error()}
	}
	return nil
}

// addrArg refuses an --addr that is no HOST:PORT (a usage error), before
// the listener's own words for it.
func addrArg(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErr("serve: --addr %q: write HOST:PORT, e.g. 127.0.0.1:8080 (PORT 0 picks a free one)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usageErr("serve: --addr %q: the port is a number from 0 to 65535, e.g. 127.0.0.1:8080 (0 picks a free one)", addr)
	}
	return nil
}

// listenError says what to do about an address that is taken.
func listenError(err error, addr string) string {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Sprintf("%v (another server is on %s; choose another with --addr HOST:PORT)", err, addr)
	}
	return err.Error()
}

// warnUnopenedSecrets warns, without refusing to start, about the
// environment's secret variables this server's key cannot open: they were
// sealed by a deploy with another key, read as no value here, and the
// first job that uses one fails.
func warnUnopenedSecrets(ctx context.Context, g *globals, s store.Store, kr *secret.Keyring) {
	bad, err := workflow.UnopenedSecrets(ctx, s, kr)
	if err != nil {
		fmt.Fprintf(g.stderr, "warning: serve: could not check that the secret variables open here: %v\n", err)
		return
	}
	if len(bad) == 0 {
		return
	}
	var names []string
	for _, u := range bad {
		names = append(names, u.Name+" ("+u.SchemaName+")")
	}
	fmt.Fprintf(g.stderr, "warning: serve: this server's secret key (%s) cannot open the value of %s: %s; "+
		"the workflows that use them (webhooks) fail here until it can. Start the server with the %s of the process that deployed them "+
		"(its %s, or its checkout's %s), the key every server of the environment, bpfc job run and a CI that deploys straight to its store share; "+
		"or deploy again with this server's key\n",
		kr.Source(), strings.Join(names, ", "), bad[0].Reason, secret.EnvKey, secret.EnvKey, secret.KeyFile)
}

// linkHost is the host and port a link to the server names: a server
// listening on every address is reached on loopback.
func linkHost(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveGCPercent is the garbage collector's target of a server (Go's
// default is 100). A server's garbage is mostly each request's, over a
// live heap of tens of MB: collecting when the heap has grown by 4x its
// live size rather than 1x cut a server's CPU per move by about a fifth
// (bpfc-bench, README's Performance) for ~15 MB more resident memory.
const serveGCPercent = 400

// tuneGC sets the server's GC target, unless the operator set GOGC.
func tuneGC(lookup func(string) (string, bool)) {
	if _, set := lookup("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
}
