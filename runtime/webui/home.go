package webui

import (
	"bytes"
	"cmp"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/graph"
	"github.com/bpfc/bpfc/runtime/report"
)

// The home page (tables and flows) and the flow page (graph and report).

type homePage struct {
	Tables []tableLink
	Flows  []flowLink
}

func (homePage) title() string { return "Tables and flows" }

type tableLink struct {
	Name, Title, Href string
	Flows             []flowLink
}

type flowLink struct {
	Name, Title, Href, Table, TableTitle, Description string
	Stages                                            int
	Running                                           bool
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readView(w, r)
	if !ok {
		return
	}
	var page homePage
	for _, fi := range v.readable() {
		page.Flows = append(page.Flows, h.flowLink(v, fi))
	}
	for _, t := range v.recordTables() {
		tl := tableLink{Name: t.Name, Title: cmp.Or(t.DisplayName, t.Name), Href: "/records/" + t.Name}
		for _, fi := range v.flowsOn(t.Name) {
			tl.Flows = append(tl.Flows, h.flowLink(v, fi))
		}
		page.Tables = append(page.Tables, tl)
	}
	h.render(w, r, current(r), http.StatusOK, "home", page)
}

func (h *Handler) flowLink(v *view, fi *flowInfo) flowLink {
	return flowLink{Name: fi.f.Name, Title: cmp.Or(fi.f.DisplayName, fi.f.Name), Href: "/flows/" + fi.f.Name,
		Table: fi.f.PrimaryTable, TableTitle: v.tableTitle(fi.f.PrimaryTable), Description: fi.f.Description,
		Stages: len(fi.f.Stages), Running: fi.running(v.deployed)}
}

type flowPage struct {
	flowLink
	Stages        []flowStage
	Alt           string
	Width, Height int // of the graph, so that the page does not jump when it loads
}

func (p flowPage) title() string { return p.Title }

type flowStage struct {
	Title, Table string
	Cross        bool
	Steps        []string
	Branches     []string
	Next         string
}

// readableFlow finds a flow the user may see, or answers 404 (a flow the
// user may not read is as absent as one that is not deployed).
func (h *Handler) readableFlow(w http.ResponseWriter, r *http.Request) (*view, *flowInfo, bool) {
	v, ok := h.readView(w, r)
	if !ok {
		return nil, nil, false
	}
	fi := v.byName[r.PathValue("flow")]
	if fi == nil || !v.may(fi, "read") {
		h.fail(w, r, current(r), errorf(http.StatusNotFound, "Not found", "There is no flow %q here that you may see.", r.PathValue("flow")))
		return nil, nil, false
	}
	return v, fi, true
}

func (h *Handler) flow(w http.ResponseWriter, r *http.Request) {
	v, fi, ok := h.readableFlow(w, r)
	if !ok {
		return
	}
	page := flowPage{flowLink: h.flowLink(v, fi)}
	var alt []string
	for _, s := range fi.f.Stages {
		fs := flowStage{Title: stageTitle(s), Table: v.tableTitle(s.Table), Cross: s.Relationship != ""}
		for _, st := range s.Steps {
			text := cmp.Or(st.DisplayName, st.Name)
			switch {
			case st.Action:
				text += " (action)"
			case st.Required:
				text += " *"
			}
			fs.Steps = append(fs.Steps, text)
		}
		for _, b := range s.Branches {
			fs.Branches = append(fs.Branches, "when "+compiler.FormatExpr(b.When)+" → "+stageTitle(fi.f.Stage(b.Next)))
		}
		if n := fi.f.Stage(s.Next); n != nil {
			fs.Next = stageTitle(n)
		}
		page.Stages = append(page.Stages, fs)
		alt = append(alt, stageTitle(s)+" ("+fs.Table+")")
	}
	page.Alt = "The stages of " + page.Title + ": " + strings.Join(alt, ", ") + "."
	var svg bytes.Buffer
	if err := graph.New(fi.p, fi.f).WriteSVG(&svg); err == nil {
		if m := svgSize.FindSubmatch(svg.Bytes()); m != nil {
			page.Width, _ = strconv.Atoi(string(m[1]))
			page.Height, _ = strconv.Atoi(string(m[2]))
		}
	}
	h.render(w, r, current(r), http.StatusOK, "flow", page)
}

// svgSize reads the size of the graph's root element.
var svgSize = regexp.MustCompile(`<svg[^>]*?\swidth="(\d+)"[^>]*?\sheight="(\d+)"`)

func stageTitle(s *compiler.Stage) string {
	if s == nil {
		return ""
	}
	return cmp.Or(s.DisplayName, s.Name)
}

// flowGraph is the flow's drawing, as bpfc graph draws it.
func (h *Handler) flowGraph(w http.ResponseWriter, r *http.Request) {
	_, fi, ok := h.readableFlow(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := graph.New(fi.p, fi.f).WriteSVG(&b); err != nil {
		h.fail(w, r, current(r), err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b.Bytes())
}

// flowReport is the flow's report, as bpfc report --format html writes
// it, for the flows the user may read.
func (h *Handler) flowReport(w http.ResponseWriter, r *http.Request) {
	rs := current(r)
	_, fi, ok := h.readableFlow(w, r)
	if !ok {
		return
	}
	rep, err := report.Build(r.Context(), h.cfg.Store, report.Options{Flow: fi.f.Name, User: rs.user, Now: h.cfg.Now})
	if err != nil {
		h.fail(w, r, rs, err)
		return
	}
	var b bytes.Buffer
	if err := report.Write(&b, rep, "html"); err != nil {
		h.fail(w, r, rs, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b.Bytes())
}
