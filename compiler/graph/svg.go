package graph

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Layout of the SVG drawing, in pixels. Everything is an integer so that the
// output is the same on every machine.
const (
	margin      = 24
	headerH     = 64  // flow title and subtitle
	legendH     = 48  // legend under the stages
	bandH       = 26  // the coloured table band at the top of a stage
	titleH      = 24  // the stage's heading
	lineH       = 19  // one step or trigger line
	boxPad      = 12  // inner padding of a stage
	minBoxW     = 300 // stages are at least this wide
	gapY        = 64  // vertical space between two stages
	laneGap     = 40  // distance between side lanes
	laneStart   = 44  // distance of the first lane from the stages
	attachInset = 14  // side edges attach this far inside a stage's top or bottom
	labelPad    = 6
)

// Approximate advance widths, in thousandths of the font size. The drawing
// only needs them to size boxes and the canvas: they err on the wide side.
const (
	sansWidth = 580
	boldWidth = 620
	monoWidth = 610
)

func textWidth(s string, size, per int) int {
	return (utf8.RuneCountInString(s)*size*per + 999) / 1000
}

// stage geometry
type box struct {
	n          *Node
	x, y, w, h int
}

func (b box) cx() int     { return b.x + b.w/2 }
func (b box) bottom() int { return b.y + b.h }
func (b box) right() int  { return b.x + b.w }

// sideEdge is an edge drawn as a curve beside the stages.
type sideEdge struct {
	e        *Edge
	from, to int // node indexes (0-based)
	right    bool
	lane     int
	sy, ty   int // attachment heights
}

func (s *sideEdge) lo() int { return min(s.from, s.to) }
func (s *sideEdge) hi() int { return max(s.from, s.to) }

// WriteSVG draws the flow as a self-contained SVG image: the stages top to
// bottom in written order, each with its table band, category, steps
// (required ones marked with an asterisk, action steps with ▶) and stage
// triggers; cross-table stages with a heavier border and the relationship
// they follow; default next moves as straight arrows down (or curves on the
// left when they skip stages); branches as dashed curves on the right,
// labelled with their conditions. Text is escaped; no fonts, scripts or
// external resources are referenced.
func (g *Graph) WriteSVG(w io.Writer) error {
	// Box size: every stage as wide as the widest content.
	boxW := minBoxW
	for _, n := range g.Nodes {
		boxW = max(boxW, nodeContentWidth(n)+2*boxPad)
	}
	index := map[string]int{}
	for i, n := range g.Nodes {
		index[n.Name] = i
	}
	// Side edges and their lanes.
	var sides []*sideEdge
	var straight []*Edge
	for _, e := range g.Edges {
		fi, fok := index[e.From]
		ti, tok := index[e.To]
		if !fok || !tok {
			continue
		}
		if e.Kind == EdgeNext && ti == fi+1 {
			straight = append(straight, e)
			continue
		}
		sides = append(sides, &sideEdge{e: e, from: fi, to: ti, right: e.Kind == EdgeBranch || ti <= fi})
	}
	assignLanes(sides)
	leftLanes, rightLanes := 0, 0
	leftLabel, rightLabel := 0, 0
	for _, s := range sides {
		lw := 0
		if s.e.Label != "" {
			lw = textWidth(s.e.Label, 12, monoWidth) + 2*labelPad + 8
		}
		if s.right {
			rightLanes = max(rightLanes, s.lane+1)
			rightLabel = max(rightLabel, lw+laneGap*s.lane)
		} else {
			leftLanes = max(leftLanes, s.lane+1)
			leftLabel = max(leftLabel, lw+laneGap*s.lane)
		}
	}
	leftW, rightW := 0, 0
	if leftLanes > 0 {
		leftW = laneStart + leftLabel
	}
	if rightLanes > 0 {
		rightW = laneStart + rightLabel
	}
	// Boxes, top to bottom.
	header := headerH
	if g.triggerLine() != "" {
		header += lineH
	}
	x := margin + leftW
	y := margin + header
	var boxes []box
	for _, n := range g.Nodes {
		h := bandH + titleH + boxPad + lineH*len(nodeLines(n)) + boxPad/2
		if n.CrossTable {
			h += lineH
		}
		boxes = append(boxes, box{n: n, x: x, y: y, w: boxW, h: h})
		y += h + gapY
	}
	if len(boxes) > 0 {
		y -= gapY
	}
	legendY := y + 28
	width := x + boxW + rightW + margin
	width = max(width, margin+textWidth(g.Title, 18, boldWidth)+margin, margin+legendWidth()+margin,
		margin+textWidth(g.subtitle(), 12, sansWidth)+margin, margin+textWidth(g.triggerLine(), 12, sansWidth)+margin)
	height := legendY + legendH

	// Attachment heights of side edges: spread the ones sharing a stage side.
	outN, inN := map[[2]int]int{}, map[[2]int]int{}
	for _, s := range sides {
		side := 0
		if s.right {
			side = 1
		}
		ko, ki := [2]int{s.from, side}, [2]int{s.to, side}
		s.sy = boxes[s.from].bottom() - attachInset - 8*outN[ko]
		s.ty = boxes[s.to].y + attachInset + 8*inN[ki]
		outN[ko]++
		inN[ki]++
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="title desc">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, "<title id=\"title\">%s</title>\n", esc(g.Title))
	fmt.Fprintf(&b, "<desc id=\"desc\">%s</desc>\n", esc(g.description()))
	b.WriteString(`<defs>` + "\n")
	fmt.Fprintf(&b, `<marker id="arrow-next" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`+"\n", nextColor)
	fmt.Fprintf(&b, `<marker id="arrow-branch" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`+"\n", branchColor)
	b.WriteString(`</defs>` + "\n")
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	b.WriteString(`<g font-family="'Segoe UI', Helvetica, Arial, sans-serif" font-size="13" fill="#0f172a">` + "\n")

	// Header.
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="18" font-weight="bold">%s</text>`+"\n", margin, margin+18, esc(g.Title))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#475569">%s</text>`+"\n", margin, margin+40, esc(g.subtitle()))
	if t := g.triggerLine(); t != "" {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" font-style="italic" fill="#475569">%s</text>`+"\n", margin, margin+40+lineH, esc(t))
	}

	// Stages.
	for _, bx := range boxes {
		writeBox(&b, bx)
	}
	// Straight next arrows.
	for _, e := range straight {
		from, to := boxes[index[e.From]], boxes[index[e.To]]
		fmt.Fprintf(&b, `<path d="M%d,%d L%d,%d" fill="none" stroke="%s" stroke-width="1.6" marker-end="url(#arrow-next)"><title>%s</title></path>`+"\n",
			from.cx(), from.bottom(), to.cx(), to.y-2, nextColor, esc(edgeTitle(e)))
		if e.Label != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" font-style="italic" fill="%s">%s</text>`+"\n",
				from.cx()+8, (from.bottom()+to.y)/2+4, nextColor, esc(e.Label))
		}
	}
	// Side edges.
	for _, s := range sides {
		writeSideEdge(&b, s, boxes)
	}
	// Ends of paths.
	for _, bx := range boxes {
		if bx.n.Ends && bx.n.Index < len(boxes) {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" font-style="italic" fill="#64748b" text-anchor="middle">■ the path ends here</text>`+"\n", bx.cx(), bx.bottom()+18)
		}
	}
	writeLegend(&b, margin, legendY)
	b.WriteString("</g>\n</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// nodeLines are the lines under a stage's heading: steps (or "no steps"),
// then triggers.
func nodeLines(n *Node) []string {
	var out []string
	for _, s := range n.Steps {
		out = append(out, s.text())
	}
	if len(n.Steps) == 0 {
		out = append(out, "(no steps)")
	}
	return append(out, n.triggerLines()...)
}

func nodeContentWidth(n *Node) int {
	wd := textWidth(n.heading(), 15, boldWidth)
	wd = max(wd, textWidth(n.Table, 12, monoWidth)+24+textWidth(categoryText(n), 11, sansWidth))
	if n.CrossTable {
		wd = max(wd, textWidth(n.crossLine(), 12, sansWidth))
	}
	for _, s := range n.Steps {
		wd = max(wd, 16+textWidth(s.Title, 13, sansWidth)+10+textWidth(stepDetail(s), 12, monoWidth))
	}
	for _, t := range n.triggerLines() {
		wd = max(wd, textWidth(t, 12, sansWidth))
	}
	return wd
}

func categoryText(n *Node) string {
	if n.Category == "" {
		return ""
	}
	return "category " + n.Category
}

func stepDetail(s Step) string {
	if s.Action {
		return "runs " + s.Workflow
	}
	return s.Column
}

func writeBox(b *strings.Builder, bx box) {
	n := bx.n
	c := colorOf(n.Color)
	stroke := `stroke-width="1.2"`
	if n.CrossTable {
		stroke = `stroke-width="2.6"`
	}
	fmt.Fprintf(b, `<g id="stage-%s">`+"\n", esc(n.Name))
	fmt.Fprintf(b, `<title>%s</title>`+"\n", esc(n.heading()+" ("+n.Name+"), "+n.tableLine()))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="%s" stroke="%s" %s/>`+"\n", bx.x, bx.y, bx.w, bx.h, c.fill, c.stroke, stroke)
	// Table band: a rounded top, square bottom.
	fmt.Fprintf(b, `<path d="M%d,%d L%d,%d L%d,%d Q%d,%d %d,%d L%d,%d Q%d,%d %d,%d z" fill="%s"/>`+"\n",
		bx.x+1, bx.y+bandH, bx.right()-1, bx.y+bandH, bx.right()-1, bx.y+8, bx.right()-1, bx.y+1, bx.right()-8, bx.y+1,
		bx.x+8, bx.y+1, bx.x+1, bx.y+1, bx.x+1, bx.y+8, c.band)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-family="Consolas, Menlo, monospace" font-size="12" font-weight="bold" fill="%s">%s</text>`+"\n",
		bx.x+boxPad, bx.y+17, c.stroke, esc(n.Table))
	if n.Category != "" {
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" fill="#334155" text-anchor="end">%s</text>`+"\n",
			bx.right()-boxPad, bx.y+17, esc(categoryText(n)))
	}
	y := bx.y + bandH + titleH - 4
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="15" font-weight="bold">%s</text>`+"\n", bx.x+boxPad, y, esc(n.heading()))
	if n.CrossTable {
		y += lineH
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" font-style="italic" fill="%s">%s</text>`+"\n", bx.x+boxPad, y, c.stroke, esc(n.crossLine()))
	}
	y += 4
	for _, s := range n.Steps {
		y += lineH
		switch {
		case s.Action:
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s">▶</text>`+"\n", bx.x+boxPad, y, branchColor)
		case s.Required:
			fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold" fill="#dc2626">*</text>`+"\n", bx.x+boxPad+1, y)
		}
		tx := bx.x + boxPad + 16
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", tx, y, esc(s.Title))
		fmt.Fprintf(b, `<text x="%d" y="%d" font-family="Consolas, Menlo, monospace" font-size="12" fill="#64748b" text-anchor="end">%s</text>`+"\n",
			bx.right()-boxPad, y, esc(stepDetail(s)))
	}
	if len(n.Steps) == 0 {
		y += lineH
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" font-style="italic" fill="#64748b">(no steps)</text>`+"\n", bx.x+boxPad+16, y)
	}
	for _, t := range n.triggerLines() {
		y += lineH
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" font-style="italic" fill="#475569">%s</text>`+"\n", bx.x+boxPad, y, esc(t))
	}
	b.WriteString("</g>\n")
}

func writeSideEdge(b *strings.Builder, s *sideEdge, boxes []box) {
	from, to := boxes[s.from], boxes[s.to]
	var sx, tx, lx int
	if s.right {
		sx, tx = from.right(), to.right()
		lx = from.right() + laneStart + laneGap*s.lane
	} else {
		sx, tx = from.x, to.x
		lx = from.x - laneStart - laneGap*s.lane
	}
	color, marker, dash := nextColor, "arrow-next", ""
	if s.e.Kind == EdgeBranch {
		color, marker, dash = branchColor, "arrow-branch", ` stroke-dasharray="7 4"`
	}
	// The end point sits just outside the stage so the arrowhead is visible.
	end := tx + 2
	if !s.right {
		end = tx - 2
	}
	fmt.Fprintf(b, `<path d="M%d,%d C%d,%d %d,%d %d,%d" fill="none" stroke="%s" stroke-width="1.6"%s marker-end="url(#%s)"><title>%s</title></path>`+"\n",
		sx, s.sy, lx, s.sy, lx, s.ty, end, s.ty, color, dash, marker, esc(edgeTitle(s.e)))
	if s.e.Label == "" {
		return
	}
	// The label sits beside the curve's midpoint, on a white backing.
	mx := (sx + 3*lx) / 4
	my := (s.sy + s.ty) / 2
	lw := textWidth(s.e.Label, 12, monoWidth) + 2*labelPad
	rx, anchorX, anchor := mx+4, mx+4+labelPad, "start"
	if !s.right {
		rx, anchorX, anchor = mx-4-lw, mx-4-labelPad, "end"
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="20" rx="4" fill="#ffffff" fill-opacity="0.92" stroke="%s" stroke-width="0.8"/>`+"\n", rx, my-14, lw, color)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-family="Consolas, Menlo, monospace" font-size="12" fill="%s" text-anchor="%s">%s</text>`+"\n",
		anchorX, my, color, anchor, esc(s.e.Label))
}

// assignLanes gives each side edge the innermost lane on its side where it
// overlaps no other edge: shorter spans inside, longer ones around them.
func assignLanes(sides []*sideEdge) {
	order := slices.Clone(sides)
	slices.SortStableFunc(order, func(a, b *sideEdge) int {
		if d := (a.hi() - a.lo()) - (b.hi() - b.lo()); d != 0 {
			return d
		}
		return a.lo() - b.lo()
	})
	var placed []*sideEdge
	for _, s := range order {
		for lane := 0; ; lane++ {
			free := true
			for _, p := range placed {
				if p.right == s.right && p.lane == lane && s.lo() < p.hi() && p.lo() < s.hi() {
					free = false
					break
				}
			}
			if free {
				s.lane = lane
				break
			}
		}
		placed = append(placed, s)
	}
}

func legendWidth() int { return 608 + textWidth("cross-table stage", 12, sansWidth) }

func writeLegend(b *strings.Builder, x, y int) {
	fmt.Fprintf(b, `<g font-size="12" fill="#334155">`+"\n")
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold" fill="#dc2626">*</text><text x="%d" y="%d">required step</text>`+"\n", x, y, x+12, y)
	fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s">▶</text><text x="%d" y="%d">action step</text>`+"\n", x+120, y, branchColor, x+136, y)
	fmt.Fprintf(b, `<path d="M%d,%d L%d,%d" stroke="%s" stroke-width="1.6" marker-end="url(#arrow-next)"/><text x="%d" y="%d">next stage</text>`+"\n", x+230, y-4, x+266, y-4, nextColor, x+274, y)
	fmt.Fprintf(b, `<path d="M%d,%d L%d,%d" stroke="%s" stroke-width="1.6" stroke-dasharray="7 4" marker-end="url(#arrow-branch)"/><text x="%d" y="%d">branch, with its condition</text>`+"\n", x+360, y-4, x+396, y-4, branchColor, x+404, y)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="22" height="14" rx="3" fill="#ffffff" stroke="#334155" stroke-width="2.6"/><text x="%d" y="%d">cross-table stage</text>`+"\n", x+580, y-12, x+608, y)
	b.WriteString("</g>\n")
}

func edgeTitle(e *Edge) string {
	s := e.From + " → " + e.To
	if e.Label != "" {
		s += ": " + e.Label
	}
	return s
}

func (g *Graph) subtitle() string {
	return fmt.Sprintf("flow %s · primary table %s · %d stages", g.Flow, g.PrimaryTable, len(g.Nodes))
}

// description summarises the flow for screen readers.
func (g *Graph) description() string {
	var names []string
	for _, n := range g.Nodes {
		names = append(names, n.Title+" ("+n.Table+")")
	}
	return "Business process flow " + g.Title + ": " + strings.Join(names, ", then ") + "."
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// esc escapes text for XML character data and attribute values, dropping
// characters XML cannot hold.
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r <= 0xDFFF) {
			return r
		}
		return -1
	}, s)
	return escaper.Replace(s)
}
