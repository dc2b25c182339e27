package webapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// acceptsJSON reports whether the request's Accept header lets the answer
// be JSON, the API's one format besides $metadata's XML, at one of the
// levels of odata.metadata (answerLevel). OData answers a format it cannot
// write with 406 (Not Acceptable), where bpfc answered Accept:
// application/xml with JSON and 200.
func acceptsJSON(r *http.Request) bool {
	_, ok := answerLevel(r)
	return ok
}

// levelQ is the q the request's Accept header gives a JSON answer at
// level: no Accept, or one whose ranges are all unreadable, takes every
// level (1); otherwise the most specific range that matches the answer
// decides (RFC 9110 §12.5.1), 0 when none matches (refused then says
// whether one matched, with q=0). "application/json;q=0,
// */*" refuses JSON, as q=0 says, though */* alone would take it, and a
// range with parameters is more specific than the same range without, so
// "application/json;odata.metadata=minimal;q=0, application/json" refuses
// minimal but not none or full. A range's odata.metadata has to be level
// for the range to match. Ranges that are not type/subtype ("json",
// "*/json") are left out: RFC 9110 lets a server disregard an Accept it
// cannot read, as bpfc did before the 406.
func levelQ(r *http.Request, level string) (q float64, refused bool) {
	ranges, best := 0, 0
	for _, h := range r.Header.Values("Accept") {
		for _, part := range splitUnquoted(h, ',') {
			typ, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			top, sub, found := strings.Cut(typ, "/")
			if !found || top == "" || sub == "" || top == "*" && sub != "*" {
				continue
			}
			ranges++
			// Twice the type's rank, plus one for parameters: a range
			// with parameters outranks the same range without, not a
			// more specific type.
			rank := 2 * map[string]int{"application/json": 3, "application/*": 2, "*/*": 1}[typ]
			if rank == 0 {
				continue
			}
			if hasMediaParams(part) {
				if v, has := odataMetadataParam(params); has && levelNamed(v) != level {
					continue
				}
				rank++
			}
			if rank < best {
				continue
			}
			rq := 1.0
			if v, has := params["q"]; has {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					rq = max(f, 0)
				}
			}
			// Of equally specific ranges (application/json;odata.metadata=minimal
			// and application/json;charset=utf-8) one that takes JSON is
			// enough.
			if rank > best {
				best, q = rank, rq
			} else {
				q = max(q, rq)
			}
		}
	}
	if ranges == 0 {
		return 1, false
	}
	return q, best > 0 && q == 0
}

// hasMediaParams reports whether a media range has parameters of its own:
// those before its q, as what follows q are accept-ext (RFC 9110 §12.5.1),
// which say nothing of the representation.
func hasMediaParams(part string) bool {
	for _, p := range splitUnquoted(part, ';')[1:] {
		name, _, _ := strings.Cut(p, "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "q":
			return false
		case "":
		default:
			return true
		}
	}
	return false
}

// notAcceptable is the 406 of a request whose Accept leaves JSON out.
func notAcceptable(r *http.Request) error {
	return errorf(http.StatusNotAcceptable, "NotAcceptable",
		"Accept: %s: the API answers in JSON only (its $metadata in XML): send Accept: application/json, or no Accept",
		strings.Join(r.Header.Values("Accept"), ", "))
}
