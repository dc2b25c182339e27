package report

import (
	"html/template"
	"io"
	"strconv"
)

// The HTML report: one page, no external resources — styles inline, charts
// as inline SVG drawn here — so that it can be mailed or archived as a
// single file.

// Chart geometry, in SVG user units.
const (
	chartWidth = 640.0
	labelWidth = 120.0
	valueWidth = 190.0
	barRow     = 30.0
	barHeight  = 16.0
)

type htmlPage struct {
	R     *Report
	Scope string
	Flows []htmlFlow
}

type htmlFlow struct {
	*Flow
	Rate        string
	Ended       int64
	Cycle       string
	CycleDetail string
	// BottleneckName is the bottleneck stage's display name, as the
	// table and charts name stages; BottleneckDetail says why it is one.
	BottleneckName   string
	BottleneckDetail string
	StateBar         []svgRect
	StageChart       svgChart
	FunnelChart      svgChart
	Rows             []htmlStageRow
}

type htmlStageRow struct {
	*Stage
	Mean, Median, P90, Share string
}

type svgChart struct {
	Height string
	Bars   []svgBar
	Joins  []string // funnel: polygons between bars
	Empty  string
}

type svgBar struct {
	Label, Value, Title string
	Y, TextY, ValueX    string
	Rects               []svgRect
	MeanX, MeanY1       string // stage chart: the mean's marker
	MeanY2              string
	Hot                 bool
}

type svgRect struct {
	X, Y, W, H, Class, Title string
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func writeHTML(w io.Writer, r *Report) error {
	page := htmlPage{R: r, Scope: scope(r)}
	for _, f := range r.Flows {
		page.Flows = append(page.Flows, htmlFlowOf(f))
	}
	return pageTemplate.Execute(w, page)
}

func htmlFlowOf(f *Flow) htmlFlow {
	hf := htmlFlow{Flow: f, Rate: "–", Ended: f.Instances.Finished + f.Instances.Aborted, Cycle: "–"}
	if f.AbandonmentRate != nil {
		hf.Rate = percent(*f.AbandonmentRate)
	}
	hf.CycleDetail, hf.BottleneckDetail = "no instance finished", "no stay in a stage ended"
	if c := f.CycleTime; c.Count > 0 {
		hf.Cycle = Human(c.Median)
		hf.CycleDetail = "mean " + Human(c.Mean) + " · p90 " + Human(c.P90) + " · " + strconv.FormatInt(c.Count, 10) + " finished"
	}
	for _, s := range f.Stages {
		if s.Bottleneck {
			hf.BottleneckName = s.DisplayName
			hf.BottleneckDetail = "longest median time in a stage: " + Human(s.Time.Median)
		}
	}
	// Instances by state: one stacked bar.
	if total := float64(f.Instances.Total); total > 0 {
		x := 0.0
		for _, part := range []struct {
			n     int64
			class string
			name  string
		}{{f.Instances.Active, "active", "active"}, {f.Instances.Finished, "finished", "finished"}, {f.Instances.Aborted, "aborted", "aborted"}} {
			if part.n == 0 {
				continue
			}
			wd := chartWidth * float64(part.n) / total
			hf.StateBar = append(hf.StateBar, svgRect{X: f1(x), Y: "0", W: f1(wd), H: "14", Class: part.class,
				Title: strconv.FormatInt(part.n, 10) + " " + part.name})
			x += wd
		}
	}
	var maxTime int64
	var maxReached, ended int64
	for _, s := range f.Stages {
		maxTime = max(maxTime, int64(s.Time.P90), int64(s.Time.Mean))
		maxReached = max(maxReached, s.Reached)
		ended += s.Time.Count
	}
	area := chartWidth - labelWidth - valueWidth
	hf.StageChart.Height = f1(barRow*float64(len(f.Stages)) + 4)
	hf.FunnelChart.Height = hf.StageChart.Height
	switch {
	case ended == 0:
		hf.StageChart.Empty = "No stay in a stage has ended yet."
	case maxTime == 0:
		hf.StageChart.Empty = "Every stay that ended lasted under a millisecond."
	}
	if maxReached == 0 {
		hf.FunnelChart.Empty = "No instance has entered a stage yet."
	}
	for i, s := range f.Stages {
		y := barRow*float64(i) + 4
		row := htmlStageRow{Stage: s, Mean: "–", Median: "–", P90: "–", Share: "–"}
		if s.Time.Count > 0 {
			row.Mean, row.Median, row.P90 = Human(s.Time.Mean), Human(s.Time.Median), Human(s.Time.P90)
		}
		if maxReached > 0 {
			row.Share = percent(float64(s.Reached) / float64(maxReached))
		}
		hf.Rows = append(hf.Rows, row)
		label := s.DisplayName
		if label == "" {
			label = s.Name
		}
		valueX := f1(labelWidth + area + 8)
		bar := svgBar{Label: label, Y: f1(y), TextY: f1(y + barHeight - 3), ValueX: valueX, Hot: s.Bottleneck}
		if maxTime > 0 && s.Time.Count > 0 {
			scale := func(d int64) float64 { return area * float64(d) / float64(maxTime) }
			bar.Rects = []svgRect{
				{X: f1(labelWidth), Y: f1(y), W: f1(scale(int64(s.Time.P90))), H: f1(barHeight), Class: "p90", Title: "p90 " + row.P90},
				{X: f1(labelWidth), Y: f1(y), W: f1(scale(int64(s.Time.Median))), H: f1(barHeight), Class: "median", Title: "median " + row.Median},
			}
			bar.MeanX, bar.MeanY1, bar.MeanY2 = f1(labelWidth+scale(int64(s.Time.Mean))), f1(y-3), f1(y+barHeight+3)
			bar.Value = "median " + row.Median + " · p90 " + row.P90
			bar.Title = s.Name + ": mean " + row.Mean + ", median " + row.Median + ", p90 " + row.P90
		} else {
			bar.Value = "no ended stays"
		}
		hf.StageChart.Bars = append(hf.StageChart.Bars, bar)

		fb := svgBar{Label: label, Y: f1(y), TextY: f1(y + barHeight - 3), ValueX: valueX, Value: strconv.FormatInt(s.Reached, 10) + " (" + row.Share + ")",
			Title: s.Name + ": " + strconv.FormatInt(s.Reached, 10) + map[bool]string{true: " instance", false: " instances"}[s.Reached == 1]}
		if maxReached > 0 {
			wd := area * float64(s.Reached) / float64(maxReached)
			x := labelWidth + (area-wd)/2
			class := "reached"
			if s.Removed {
				class = "gone"
			}
			fb.Rects = []svgRect{{X: f1(x), Y: f1(y), W: f1(wd), H: f1(barHeight), Class: class}}
			// A removed stage (last, from an earlier version of the flow)
			// is no step of the funnel: nothing flows into it.
			if i+1 < len(f.Stages) && !f.Stages[i+1].Removed {
				next := area * float64(f.Stages[i+1].Reached) / float64(maxReached)
				nx := labelWidth + (area-next)/2
				hf.FunnelChart.Joins = append(hf.FunnelChart.Joins,
					f1(x)+","+f1(y+barHeight)+" "+f1(x+wd)+","+f1(y+barHeight)+" "+f1(nx+next)+","+f1(y+barRow)+" "+f1(nx)+","+f1(y+barRow))
			}
		}
		hf.FunnelChart.Bars = append(hf.FunnelChart.Bars, fb)
	}
	return hf
}

var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Process report: {{.R.Environment}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; }
header, section, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; }
h2 small { font-weight: normal; color: #7b8794; font-size: 13px; margin-left: 8px; }
.scope { color: #616e7c; margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }
.card { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.card .k { color: #616e7c; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 24px; font-weight: 600; }
.card .s { color: #616e7c; font-size: 12px; }
.card.hot .v { color: #c62828; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; margin-top: 12px; }
figure { background: #fff; border-radius: 8px; padding: 12px 16px; margin: 0; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
figcaption { font-weight: 600; margin-bottom: 8px; }
svg { width: 100%; height: auto; display: block; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #323f4b; }
svg text.hot { fill: #c62828; font-weight: 600; }
.p90 { fill: #c5d7f2; } .median { fill: #3f73c4; } .hot .median { fill: #c62828; } .hot .p90 { fill: #f4c7c3; }
.mean { stroke: #1f2933; stroke-width: 2; }
.reached { fill: #2f9e8f; } .join { fill: #d3eeea; } .gone { fill: #b8c2cc; }
.active { fill: #3f73c4; } .finished { fill: #2f9e8f; } .aborted { fill: #c62828; }
.legend { color: #616e7c; font-size: 12px; margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; background: #fff; margin-top: 12px; border-radius: 8px; overflow: hidden; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
th, td { text-align: right; padding: 6px 12px; border-bottom: 1px solid #e4e7eb; }
th:first-child, td:first-child { text-align: left; }
th { color: #616e7c; font-weight: 600; font-size: 12px; text-transform: uppercase; }
tr.hot td { color: #c62828; font-weight: 600; }
.empty { color: #7b8794; }
footer { color: #9aa5b1; font-size: 12px; padding: 32px 24px; }
</style>
</head>
<body>
<header>
<h1>Process report: {{.R.Environment}}</h1>
<p class="scope">{{.Scope}} · generated {{.R.GeneratedOn.Format "2006-01-02 15:04 UTC"}}</p>
</header>
{{if not .Flows}}<section><p class="empty">No active flows you may read.</p></section>{{end}}
{{range .Flows}}<section>
<h2>{{.DisplayName}}<small>{{.Name}}</small></h2>
<div class="cards">
<div class="card"><div class="k">Instances</div><div class="v">{{.Instances.Total}}</div>
<div class="s">{{.Instances.Active}} active · {{.Instances.Finished}} finished · {{.Instances.Aborted}} aborted</div>
{{if .StateBar}}<svg viewBox="0 0 640 14" role="img" aria-label="instances by state">{{range .StateBar}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"><title>{{.Title}}</title></rect>{{end}}</svg>{{end}}</div>
<div class="card"><div class="k">Abandonment rate</div><div class="v">{{.Rate}}</div><div class="s">{{.Instances.Aborted}} aborted of {{.Ended}} ended</div></div>
<div class="card"><div class="k">Cycle time (median)</div><div class="v">{{.Cycle}}</div><div class="s">{{.CycleDetail}}</div></div>
<div class="card{{if .Bottleneck}} hot{{end}}"><div class="k">Bottleneck</div><div class="v">{{if .Bottleneck}}{{or .BottleneckName .Bottleneck}}{{else}}–{{end}}</div><div class="s">{{.BottleneckDetail}}</div></div>
</div>
<div class="charts">
<figure><figcaption>Time per stage</figcaption>
{{with .StageChart}}{{if .Empty}}<p class="empty">{{.Empty}}</p>{{else}}<svg viewBox="0 0 640 {{.Height}}" role="img" aria-label="time per stage">
{{range .Bars}}<g{{if .Hot}} class="hot"{{end}}><title>{{.Title}}</title><text x="0" y="{{.TextY}}"{{if .Hot}} class="hot"{{end}}>{{.Label}}</text>{{range .Rects}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"></rect>{{end}}{{if .MeanX}}<line x1="{{.MeanX}}" x2="{{.MeanX}}" y1="{{.MeanY1}}" y2="{{.MeanY2}}" class="mean"></line>{{end}}<text x="{{.ValueX}}" y="{{.TextY}}">{{.Value}}</text></g>
{{end}}</svg>
<div class="legend"><i style="background:#3f73c4"></i>median<i style="background:#c5d7f2"></i>90th percentile<i style="background:#1f2933;width:2px"></i>mean</div>{{end}}{{end}}
</figure>
<figure><figcaption>Instances reaching each stage</figcaption>
{{with .FunnelChart}}{{if .Empty}}<p class="empty">{{.Empty}}</p>{{else}}<svg viewBox="0 0 640 {{.Height}}" role="img" aria-label="instances reaching each stage">
{{range .Joins}}<polygon points="{{.}}" class="join"></polygon>{{end}}
{{range .Bars}}<g><title>{{.Title}}</title><text x="0" y="{{.TextY}}">{{.Label}}</text>{{range .Rects}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"></rect>{{end}}<text x="{{.ValueX}}" y="{{.TextY}}">{{.Value}}</text></g>
{{end}}</svg>{{end}}{{end}}
</figure>
</div>
<table>
<thead><tr><th>Stage</th><th>Reached</th><th>Stays</th><th>Ended</th><th>Mean</th><th>Median</th><th>90th percentile</th></tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Bottleneck}} class="hot"{{end}}><td>{{.DisplayName}}</td><td>{{.Reached}}</td><td>{{.Stays}}</td><td>{{.Completed}}</td><td>{{.Mean}}</td><td>{{.Median}}</td><td>{{.P90}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}<footer>Generated by bpfc report. Times are those of the stays that ended in each stage (Ended), from the environment's stage log; cycle time is the duration of finished instances. Median and 90th percentile are nearest-rank.</footer>
</body>
</html>
`))
