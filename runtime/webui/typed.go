package webui

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// What a user typed survives a refused post. The stage form carries, beside
// each step's input, the value the page showed (origPrefix + column), so
// that the server tells what the user typed from what someone else changed
// since. When a post is refused before its values are saved (someone else
// moved the instance or changed the record, or a value does not fit), the
// answer is the record page itself, with the post's status (409, 422),
// rather than a redirect: the typed values are in the inputs, each marked
// "Not saved" beside the value stored now where they differ, and the form
// carries the current versions, so that saving again is a deliberate
// overwrite of the new version. The values never travel in the flash
// cookie: it holds 4 KB, and a cookie may be read by another page or,
// after a sign-out, another user of the browser.

// origPrefix starts the name of the hidden input holding the value a step
// showed.
const origPrefix = "o_"

// stepColumns are the columns a stage's steps fill.
func stepColumns(s *compiler.Stage) []string {
	var cols []string
	for _, step := range s.Steps {
		if !step.Action && step.Column != "" {
			cols = append(cols, step.Column)
		}
	}
	return cols
}

// typedValues reads, from a stage form of instance in, the step values the
// user changed from those the page showed; nil when none. A step without
// the value shown (a page of an older server) counts as typed.
func typedValues(form url.Values, v *view, fi *flowInfo, in *engine.Instance) *flash {
	stage := fi.f.Stage(form.Get("stage"))
	if stage == nil {
		return nil
	}
	t, ok := v.tables[stage.Table]
	if !ok {
		return nil
	}
	f := &flash{TypedTable: stage.Table, TypedRecord: in.Records[stage.Table]}
	for _, step := range stage.Steps {
		if step.Action || step.Column == "" {
			continue
		}
		c, ok := t.Column(step.Column)
		if _, posted := form[fieldPrefix+c.Name]; !ok || !posted {
			continue
		}
		text := form.Get(fieldPrefix + c.Name)
		if orig, ok := form[origPrefix+c.Name]; ok && sameText(c, text, orig[0]) {
			continue
		}
		f.Typed = append(f.Typed, typedValue{Column: c.Name, Label: cmp.Or(step.DisplayName, columnTitle(c)), Text: text})
	}
	if len(f.Typed) == 0 {
		return nil
	}
	return f
}

// sameText reports whether two texts of an input of column c hold the same
// value (a datetime-local input may drop the seconds it was given).
func sameText(c store.Column, a, b string) bool {
	a, b = strings.TrimSpace(formText(a)), strings.TrimSpace(formText(b))
	if a == b {
		return true
	}
	if c.Type != compiler.TypeDateTime {
		return false
	}
	x, xok := postedValue(c, a).(string)
	y, yok := postedValue(c, b).(string)
	if !xok || !yok {
		return false
	}
	p, pok := compiler.ParseDate(x)
	q, qok := compiler.ParseDate(y)
	return pok && qok && p.Equal(q)
}

// typedAnswer answers a stage form post that err refused before typed (the
// values the user typed) were saved: with the record page itself, the
// values kept in the form. False when nothing typed is at stake or err is
// not one the user can act on (the caller answers as for any post).
func (h *Handler) typedAnswer(w http.ResponseWriter, r *http.Request, err error, instance string, typed *flash) bool {
	if typed == nil {
		return false
	}
	if h.gone(w, r, err) {
		return true
	}
	f := refusal(err, instance)
	if f == nil {
		return false
	}
	f.Typed, f.TypedTable, f.TypedRecord = typed.Typed, typed.TypedTable, typed.TypedRecord
	if f.Kind == "conflict" {
		f.Text = changedMeanwhile(err) + ", so what you typed was not saved. " +
			"It is kept below, marked \u201cNot saved\u201d beside what is stored now where they differ: check it and save again to keep it."
	}
	h.showRecord(w, r, statusOf(err), instance, "", f)
	return true
}
