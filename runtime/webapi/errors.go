package webapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/odata"
	"github.com/bpfc/bpfc/runtime/store"
)

// apiError is an error with its HTTP status and code.
type apiError struct {
	status int
	code   string
	msg    string
	extra  map[string]any // more members of the error object
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "BadRequest", format, args...)
}

// ErrorBody is the JSON of every error response:
// {"error": {"code": "…", "message": "…"}}, with the rule, stage and steps
// of a refused move (and for missing required steps the stage's record and
// the columns that fill them).
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error object.
type ErrorDetail struct {
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Rule    string           `json:"rule,omitempty"`
	Stage   string           `json:"stage,omitempty"`
	Steps   []string         `json:"steps,omitempty"`
	Table   string           `json:"table,omitempty"`
	Record  string           `json:"record,omitempty"`
	Missing []engine.Missing `json:"missing,omitempty"`
	// Environment is the server's name for its environment, which the
	// message uses ("no instance … in dev"): a client that knows the
	// environment by another name says that one instead.
	Environment string `json:"environment,omitempty"`
}

// classify maps an error to its HTTP status and error object. A version
// conflict is 412 when the client sent If-Match (its version is stale),
// 409 otherwise (another request changed the row meanwhile).
func classify(err error, ifMatch bool) (int, ErrorDetail) {
	var ae *apiError
	var mbe *http.MaxBytesError
	var ref *engine.ErrRefused
	var oe *odata.Error
	d := ErrorDetail{Message: err.Error()}
	switch {
	case errors.As(err, &ae):
		d.Code = ae.code
		return ae.status, d
	case errors.As(err, &mbe):
		d.Code, d.Message = "TooLarge", fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit)
		return http.StatusRequestEntityTooLarge, d
	case errors.Is(err, context.DeadlineExceeded):
		d.Code, d.Message = "Timeout", "the request took too long and was stopped; nothing it did was kept"
		return http.StatusServiceUnavailable, d
	case errors.Is(err, context.Canceled):
		d.Code = "Canceled"
		return http.StatusServiceUnavailable, d
	case errors.As(err, &ref):
		d.Code, d.Rule, d.Stage, d.Steps = "Refused", ref.Rule, ref.Stage, ref.Steps
		d.Table, d.Record, d.Missing = ref.Table, ref.Record, ref.Missing
		return http.StatusBadRequest, d
	case errors.Is(err, engine.ErrForbidden):
		d.Code = "Forbidden"
		return http.StatusForbidden, d
	case errors.Is(err, store.ErrConflict):
		if ifMatch {
			d.Code = "PreconditionFailed"
			return http.StatusPreconditionFailed, d
		}
		d.Code = "Conflict"
		return http.StatusConflict, d
	case errors.Is(err, store.ErrNotFound):
		d.Code = "NotFound"
		return http.StatusNotFound, d
	case errors.Is(err, engine.ErrInvalid), errors.Is(err, store.ErrBadQuery), errors.As(err, &oe):
		d.Code = "BadRequest"
		return http.StatusBadRequest, d
	case errors.Is(err, store.ErrBusy):
		d.Code = "Busy"
		return http.StatusServiceUnavailable, d
	case store.IsConnectionLost(err):
		d.Code = "StoreUnavailable"
		d.Message = "the connection to the environment's store was lost during the request: a change it was making may or may not have been written " +
			"(read the record again, its version too, before you retry)"
		return http.StatusServiceUnavailable, d
	case store.IsRefused(err):
		// A sign-in or a database the server's store settings name and
		// the database refuses: no retry goes through until whoever runs
		// the server corrects them. Its words (host, user) are for the log.
		d.Code = "StoreRefused"
		d.Message = refusedMessage
		return http.StatusInternalServerError, d
	case store.IsUnreachable(err):
		// The database's words name its host, port and user: the server's
		// log has them, a client needs only what to do.
		d.Code = "StoreUnavailable"
		d.Message = unreachableMessage
		return http.StatusServiceUnavailable, d
	case store.IsStorageFull(err):
		d.Code = "StorageFull"
		d.Message = "the disk under the environment's store is full; nothing was written (free space there and try again): " + err.Error()
		return http.StatusInsufficientStorage, d
	}
	d.Code = "InternalError"
	if store.IsSchemaMismatch(err) {
		d.Message = "the environment's store has not the schema this server's bpfc knows: a newer bpfc may have upgraded it (upgrade this server, " +
			"and every server on the store, to that version); nothing was written: " + err.Error()
	}
	return http.StatusInternalServerError, d
}

// unreachableMessage answers a request whose store connection could not be
// made: nothing was sent to the database, so a retry is safe.
const unreachableMessage = "the server cannot reach the environment's store (its database): nothing was changed; " +
	"try again, and if it lasts, tell whoever runs the server (its log says why)"

// refusedMessage answers a request whose store connection the database
// refused for the server's settings (a sign-in, a database name, TLS):
// nothing was sent to it, and retrying fails the same way.
const refusedMessage = "the environment's store (its database) refused this server's connection (its sign-in, its database name or its TLS settings): " +
	"nothing was changed, and trying again will not help until it is corrected; tell whoever runs the server (its log says why)"

// fail writes err as an error response and notes it for the request log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var many *engine.ValuesError
	if text, _ := textValues(r); errors.As(err, &many) && !text {
		// Several values that do not fit: the first, as Dataverse answers
		// one error per request (a client that corrects it hears of the
		// next). bpfc's client, which sends the CLI's text, hears of them
		// all, as the CLI does locally.
		err = many.Errs[0]
	}
	status, d := classify(err, r.Header.Get("If-Match") != "" && r.Context().Value(ownIfMatchKey{}) == nil)
	d.Environment = s.cfg.Env
	info(r).code = d.Code
	if status >= 500 && d.Code == "InternalError" {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
	}
	if d.Code == "StoreRefused" {
		s.log.Error("store refused the connection", "method", r.Method, "path", r.URL.Path, "err", err.Error())
	}
	if d.Code == "StoreUnavailable" && d.Message == unreachableMessage {
		s.log.Error("store unreachable", "method", r.Method, "path", r.URL.Path, "err", err.Error())
	} else if d.Code == "StoreUnavailable" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		d.Message = "the connection to the environment's store was lost during the request: nothing was changed; try again"
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
		w.Header().Set("Allow", allowFor(r))
	}
	writeJSON(w, status, ErrorBody{Error: d})
}

// writeError writes an error response outside a handler's flow.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}
