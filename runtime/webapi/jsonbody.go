package webapi

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// marshalJSON encodes v as the API writes JSON: "&", "<" and ">" as
// themselves, as Dataverse writes them, where json.Marshal escapes them
// for HTML (a nextLink's "&" would read "\u0026" to a client that matches
// the raw text). Map keys are sorted as json.Marshal sorts them, so an
// answer is the same bytes every time. The result ends in a newline.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeJSON writes v as the JSON body of a response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshalJSON(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = marshalJSON(ErrorBody{Error: ErrorDetail{Code: "InternalError", Message: err.Error()}})
	}
	h := w.Header()
	if h.Get("Content-Type") == "" || status >= 400 {
		h.Set("Content-Type", "application/json; odata.metadata=minimal")
	}
	h.Set("OData-Version", "4.0")
	w.WriteHeader(status)
	w.Write(b)
}
