package webapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// The amount of control information in a response, as OData's JSON format
// lets a client ask for it: odata.metadata=minimal (the default), full or
// none, a parameter of the Accept header's application/json (or a
// preference of the Prefer header, as some clients send it). Under none
// the answer carries no @odata.context; bpfc writes the same under full as
// under minimal. Rows keep their @odata.etag, which If-Match needs.
const (
	metadataMinimal = "minimal"
	metadataFull    = "full"
	metadataNone    = "none"
)

// metadataLevel is the level the answer is written at (answerLevel).
func metadataLevel(r *http.Request) string {
	level, _ := answerLevel(r)
	return level
}

// answerLevel is the level to answer r at: the one it asks for
// (requestedLevel) when its Accept takes that; otherwise the level Accept
// takes best (minimal, then none, then full on equal q), as a 406 is for
// a request no level answers (ok false). A client that refuses minimal
// but takes application/json is thus answered at none or full, not 406.
func answerLevel(r *http.Request) (level string, ok bool) {
	level = requestedLevel(r)
	if q, _ := levelQ(r, level); q > 0 {
		return level, true
	}
	best := 0.0
	for _, l := range []string{metadataMinimal, metadataNone, metadataFull} {
		if q, _ := levelQ(r, l); q > best {
			level, best = l, q
		}
	}
	return level, best > 0
}

// contentType is the Content-Type of a JSON answer to r. bpfc writes full
// as minimal and says minimal, as it is; but to a client whose Accept
// refuses minimal (q=0) it says full, the level the client took, not the
// one it refused.
func contentType(r *http.Request) string {
	level := metadataLevel(r)
	if _, refused := levelQ(r, metadataMinimal); level == metadataFull && !refused {
		level = metadataMinimal
	}
	return "application/json; odata.metadata=" + level
}

// requestedLevel is the odata.metadata a request asks for: minimal
// without one (or with a value OData does not define). A range the
// request refuses (q=0) asks for nothing; of ranges naming levels, the one
// of highest q is the client's preference (of equal q, the last).
func requestedLevel(r *http.Request) string {
	level, best := "", 0.0
	refused := map[string]bool{} // levels a range of q=0 names
	for _, h := range r.Header.Values("Accept") {
		for _, part := range splitUnquoted(h, ',') {
			typ, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || (typ != "application/json" && typ != "*/*" && typ != "application/*") {
				continue
			}
			q := 1.0
			if v, err := strconv.ParseFloat(params["q"], 64); err == nil {
				q = v
			}
			if q <= 0 {
				if v, ok := odataMetadataParam(params); ok && typ == "application/json" {
					refused[levelNamed(v)] = true
				}
				continue
			}
			if v, ok := odataMetadataParam(params); ok && q >= best {
				level, best = strings.ToLower(v), q
			}
		}
	}
	// Prefer's level counts unless Accept refuses it: the refusal is the
	// stronger word, and answering at it would be a 406.
	if v, ok := prefer(r)["odata.metadata"]; ok && level == "" && !refused[levelNamed(v)] {
		level = strings.ToLower(v)
	}
	return levelNamed(level)
}

// odataMetadataParam is a media range's odata.metadata, which some
// clients send as metadata.
func odataMetadataParam(params map[string]string) (string, bool) {
	if v, ok := params["odata.metadata"]; ok {
		return v, true
	}
	v, ok := params["metadata"]
	return v, ok
}

// levelNamed is the level a value of odata.metadata stands for: minimal
// for one OData does not define.
func levelNamed(v string) string {
	switch v = strings.ToLower(v); v {
	case metadataNone, metadataFull:
		return v
	}
	return metadataMinimal
}

// setContext sets body's @odata.context, the API's $metadata document
// followed by fragment ("#leads/$entity"), unless the answer is at
// odata.metadata=none; the response's Content-Type says its level when
// that is not minimal (writeJSON's default).
func setContext(w http.ResponseWriter, r *http.Request, body map[string]any, fragment string) {
	if ct := contentType(r); !strings.HasSuffix(ct, "="+metadataMinimal) {
		w.Header().Set("Content-Type", ct)
	}
	if metadataLevel(r) == metadataNone {
		return
	}
	body["@odata.context"] = baseURL(r) + "$metadata" + fragment
}
