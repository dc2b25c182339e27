package webapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// acceptsJSON reports whether the request's Accept header lets the answer
// be JSON, the API's one format besides $metadata's XML: no Accept, or a
// media range application/json, application/* or */* whose q is not 0.
// OData answers a format it cannot write with 406 (Not Acceptable),
// where bpfc answered Accept: application/xml with JSON and 200.
//
// The most specific range that matches the answer decides (RFC 9110
// §12.5.1): "application/json;q=0, */*" refuses JSON, as q=0 says, though
// */* alone would take it, and a range with parameters is more specific
// than the same range without, so "application/json;odata.metadata=minimal;q=0,
// application/json" refuses the minimal JSON bpfc would write. A range's
// odata.metadata has to be the level the answer is written at for the
// range to match it. Ranges that are not type/subtype ("json", "*/json")
// are left out, and an Accept with none left asks nothing: RFC 9110 lets a
// server disregard an Accept it cannot read, as bpfc did before the 406.
func acceptsJSON(r *http.Request) bool {
	level := metadataLevel(r)
	ranges, best, ok := 0, 0, false
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
			refused := false
			if q, has := params["q"]; has {
				v, err := strconv.ParseFloat(q, 64)
				refused = err == nil && v <= 0
			}
			// Of equally specific ranges (application/json;odata.metadata=minimal
			// and application/json;charset=utf-8) one that takes JSON is
			// enough.
			if rank > best {
				best, ok = rank, !refused
			} else {
				ok = ok || !refused
			}
		}
	}
	return ranges == 0 || ok
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
