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
// where bpfc answered Accept: application/xml with JSON and 200. Ranges
// that do not parse are left out; an Accept of none that parse asks
// nothing.
func acceptsJSON(r *http.Request) bool {
	ranges := 0
	for _, h := range r.Header.Values("Accept") {
		for _, part := range splitUnquoted(h, ',') {
			typ, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			ranges++
			if typ != "application/json" && typ != "application/*" && typ != "*/*" {
				continue
			}
			if q, ok := params["q"]; ok {
				if v, err := strconv.ParseFloat(q, 64); err == nil && v <= 0 {
					continue
				}
			}
			return true
		}
	}
	return ranges == 0
}

// notAcceptable is the 406 of a request whose Accept leaves JSON out.
func notAcceptable(r *http.Request) error {
	return errorf(http.StatusNotAcceptable, "NotAcceptable",
		"Accept: %s: the API answers in JSON only (its $metadata in XML): send Accept: application/json, or no Accept",
		strings.Join(r.Header.Values("Accept"), ", "))
}
