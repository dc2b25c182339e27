package webapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/solution"
	"github.com/bpfc/bpfc/solution/diff"
	"github.com/bpfc/bpfc/solution/unpack"
)

// ImportRequest is the body of POST ImportSolution: Dataverse's
// CustomizationFile (the archive, base64), plus what bpfc deploy sends.
type ImportRequest struct {
	CustomizationFile string            `json:"CustomizationFile"`     // the solution archive, base64, of the environment's flavour
	ArchiveName       string            `json:"ArchiveName,omitempty"` // its file name, e.g. ContosoSales_1_0_0_0.zip
	Model             string            `json:"Model,omitempty"`       // the build's model (compiler.EncodeModel), base64; without it the archive is unpacked
	Digest            string            `json:"Digest,omitempty"`      // the build digest the model must have
	Mode              string            `json:"Mode,omitempty"`        // upgrade (default) | update | stage
	Settings          map[string]string `json:"Settings,omitempty"`    // variable values by schema name, kept by the environment
	// EnvironmentValues are the deploying project's environment block's
	// values by schema name: they stand for the served environment's own
	// block (absent: that block's apply; {}: the block gives none). A
	// server of an older bpfc refuses the member: the client then sends
	// them as Settings.
	EnvironmentValues *map[string]string `json:"EnvironmentValues,omitempty"`
	// Secrets are secret variables' values by schema name, which a client
	// sends only over https or loopback; the server seals them as it seals
	// its own BPFC_VAR_<NAME>, never keeping them in clear.
	Secrets   map[string]string `json:"Secrets,omitempty"`
	Who       string            `json:"Who,omitempty"`       // the person deploying, for the history
	Operation string            `json:"Operation,omitempty"` // for the history: deploy (default) or promote (bpfc promote)
	// OtherCustomizationFile is the build's archive of the other flavour
	// (base64), kept with the build so that it can be promoted on from
	// here to environments of that flavour; OtherArchiveName its name.
	OtherCustomizationFile string `json:"OtherCustomizationFile,omitempty"`
	OtherArchiveName       string `json:"OtherArchiveName,omitempty"`
}

// ImportResponse is the body of a refused or failed import: the error and
// what the import did (deploy.Result). An applied import answers with the
// deploy.Result alone.
type ImportResponse struct {
	Error  ErrorDetail    `json:"error"`
	Result *deploy.Result `json:"result,omitempty"`
}

// importSolution deploys an archive into the served environment, through
// the same pipeline as bpfc deploy (promote_from gate, one transaction).
// Only a system administrator may.
func (s *Server) importSolution(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), session(r)
	req, b, opts, ok := s.importArgs(w, r, "ImportSolution", "import solutions")
	if !ok {
		return
	}
	if req.Operation != "" && req.Operation != "deploy" && req.Operation != "promote" {
		s.fail(w, r, badRequest("Operation %q: use deploy or promote", req.Operation))
		return
	}
	who := sess.User()
	if req.Who != "" && req.Who != who {
		who = req.Who + " (as " + who + ")"
	}
	opts.Who, opts.Operation = who, req.Operation
	pl := &deploy.Pipeline{Project: s.cfg.Project, Getenv: s.cfg.Getenv}
	res, err := pl.Deploy(ctx, s.cfg.Env, b, opts)
	if err == nil {
		s.log.Info("import", "solution", res.Solution, "version", res.Version, "digest", res.Digest, "user", sess.User())
		writeJSON(w, http.StatusOK, res)
		return
	}
	status, d := classify(err, false)
	var ref *deploy.Refusal
	if errors.As(err, &ref) {
		status, d.Code = http.StatusConflict, "ImportRefused"
	} else if res != nil && res.Result == deploy.Failed && store.IsConnectionLost(err) {
		// An import knows what became of it where another request
		// lost with its connection may or may not have written: its
		// COMMIT unanswered, it read whether it committed (its own
		// message says so, or that it cannot tell); lost before, it
		// rolled back. Still 503: running it again is safe.
		d.Message = importConnectionLost
		if msg, ok := deploy.ServedMessage(err); ok {
			res.Message = msg // the commands that tell its outcome from the client's side
		}
		if deploy.SaysOutcome(err) {
			d.Message = res.Message
		}
	} else if d.Code == "InternalError" {
		d.Code = "ImportFailed"
		s.log.Error("import failed", "err", err.Error())
	}
	switch d.Code {
	case "StoreUnavailable": // its answer sends whoever runs the server here for why
		s.log.Error("import: store unavailable", "err", err.Error())
	case "StoreRefused":
		s.log.Error("import: store refused the connection", "err", err.Error())
	}
	if res != nil && (d.Message == unreachableMessage || d.Message == refusedMessage) {
		// The result's message is the database's words, which name its
		// host, user and database (a connection refused or not made after
		// the import began): the log has them, the client the answer's.
		res.Message = d.Message
	}
	info(r).code = d.Code
	d.Environment = s.cfg.Env // the client names it as its project does
	if status == http.StatusServiceUnavailable {
		// Busy and StoreUnavailable: a retry is safe, as fail says.
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, ImportResponse{Error: d, Result: res})
}

// importConnectionLost answers an import whose connection to the store was
// lost before it committed.
const importConnectionLost = "the connection to the environment's store was lost during the import, before it committed: nothing was changed; run it again"

// importArgs reads the body of ImportSolution or bpfc_PlanImport (op),
// which only a system administrator may do (doing says what) on a server
// started with its project: the request, its build and the import's
// options; on an error it has answered.
func (s *Server) importArgs(w http.ResponseWriter, r *http.Request, op, doing string) (*ImportRequest, *deploy.Build, deploy.Options, bool) {
	if err := s.requireAdmin(r, doing); err != nil {
		s.fail(w, r, err)
		return nil, nil, deploy.Options{}, false
	}
	if s.cfg.Project == nil || s.cfg.Project.Environment(s.cfg.Env) == nil {
		s.fail(w, r, errorf(http.StatusNotImplemented, "NotImplemented", "this server was started without its project: it cannot %s", doing))
		return nil, nil, deploy.Options{}, false
	}
	var req ImportRequest
	if err := decodeBody(r, &req, op); err != nil {
		s.fail(w, r, err)
		return nil, nil, deploy.Options{}, false
	}
	b, err := s.importBuild(&req, op == "bpfc_PlanImport")
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, deploy.Options{}, false
	}
	mode, err := deploy.ParseMode(req.Mode)
	if err != nil {
		s.fail(w, r, badRequest("%v", err))
		return nil, nil, deploy.Options{}, false
	}
	getenv, err := deploy.SecretsGetenv(b.Project, req.Secrets, s.cfg.Getenv)
	if err != nil {
		s.fail(w, r, badRequest("Secrets: %v", err))
		return nil, nil, deploy.Options{}, false
	}
	o := deploy.Options{Mode: mode, Settings: req.Settings, Getenv: getenv}
	if req.EnvironmentValues != nil {
		o.EnvironmentValues = *req.EnvironmentValues
	}
	return &req, b, o, true
}

// planImport answers bpfc_PlanImport: what ImportSolution would do with
// the same body (deploy.Plan), changing nothing. Only a system
// administrator may.
func (s *Server) planImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_, b, opts, ok := s.importArgs(w, r, "bpfc_PlanImport", "plan imports")
	if !ok {
		return
	}
	pl := &deploy.Pipeline{Project: s.cfg.Project, Getenv: s.cfg.Getenv}
	plan, err := pl.Plan(ctx, s.cfg.Env, b, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, plan)
}

// importBuild reads the build an ImportSolution or bpfc_PlanImport
// (plan) request carries. A plan may come without CustomizationFile, with
// the build's Model and OtherCustomizationFile alone: the build has no
// archive of the environment's flavour, and the plan lists that refusal
// (deploy.NoArchive) beside what the import would change, as a local plan
// does.
func (s *Server) importBuild(req *ImportRequest, plan bool) (*deploy.Build, error) {
	env := s.cfg.Project.Environment(s.cfg.Env)
	field, text, name := "CustomizationFile", req.CustomizationFile, req.ArchiveName
	lacking := plan && text == "" && req.OtherCustomizationFile != ""
	if lacking {
		if req.Model == "" {
			return nil, badRequest("OtherCustomizationFile comes with the build's Model")
		}
		field, text, name = "OtherCustomizationFile", req.OtherCustomizationFile, req.OtherArchiveName
	}
	data, err := decodeBinary(text)
	if err != nil || len(data) == 0 {
		return nil, badRequest("%s must be the solution archive, base64-encoded", field)
	}
	a, err := solution.ReadArchive(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, badRequest("%s: %v", field, err)
	}
	manifest, err := a.ReadManifest()
	if err != nil {
		return nil, badRequest("%s: %v", field, err)
	}
	managed := manifest.Managed
	flavour := map[bool]string{true: "managed", false: "unmanaged"}
	switch {
	case lacking && managed == env.Managed:
		return nil, badRequest("OtherCustomizationFile is %s, the flavour environment %s takes: send it as CustomizationFile", flavour[managed], env.Name)
	case !lacking && managed != env.Managed:
		return nil, badRequest("the archive is %s, but environment %s takes %s archives", flavour[managed], env.Name, flavour[env.Managed])
	}
	if name == "" {
		name = "solution.zip"
		if lacking {
			name = "solution_" + flavour[managed] + ".zip"
		}
	}
	arch := deploy.Archive{Name: name, Data: data}
	var other deploy.Archive
	if !lacking && req.OtherCustomizationFile != "" {
		if req.Model == "" {
			return nil, badRequest("OtherCustomizationFile comes with the build's Model")
		}
		od, err := decodeBinary(req.OtherCustomizationFile)
		if err != nil || len(od) == 0 {
			return nil, badRequest("OtherCustomizationFile must be a solution archive, base64-encoded")
		}
		oa, err := solution.ReadArchive(bytes.NewReader(od), int64(len(od)))
		if err != nil {
			return nil, badRequest("OtherCustomizationFile: %v", err)
		}
		om, err := oa.ReadManifest()
		if err != nil {
			return nil, badRequest("OtherCustomizationFile: %v", err)
		}
		if om.Managed == managed || om.UniqueName != manifest.UniqueName || om.Version != manifest.Version {
			return nil, badRequest("OtherCustomizationFile is %s %s %s; it must be the same solution and version as CustomizationFile (%s %s), %s",
				flavour[om.Managed], om.UniqueName, om.Version, manifest.UniqueName, manifest.Version, flavour[!managed])
		}
		other = deploy.Archive{Name: req.OtherArchiveName, Data: od}
		if other.Name == "" {
			other.Name = "solution_" + flavour[!managed] + ".zip"
		}
	}
	var p *compiler.Project
	if req.Model != "" {
		model, err := decodeBinary(req.Model)
		if err != nil {
			return nil, badRequest("Model must be base64")
		}
		if p, err = compiler.DecodeModel(model); err != nil {
			return nil, badRequest("Model: %v", err)
		}
		if req.Digest != "" && p.Digest() != req.Digest {
			return nil, badRequest("the model is build %s, not %s", p.Digest(), req.Digest)
		}
		// The model is what the environment will run and the archive what
		// it keeps and exports: a client must not send two builds.
		if err := sameBuild(p, field, data); err != nil {
			return nil, err
		}
		if other.Data != nil {
			if err := sameBuild(p, "OtherCustomizationFile", other.Data); err != nil {
				return nil, err
			}
		}
	} else {
		var warns []unpack.Warning
		if p, warns, err = unpack.ReadArchive(bytes.NewReader(data), int64(len(data))); err != nil {
			return nil, badRequest("CustomizationFile: %v", err)
		}
		for _, w := range warns {
			s.log.Warn("import", "warning", fmt.Sprint(w))
		}
	}
	p.Dir = s.cfg.Project.Dir
	if managed {
		return deploy.NewBuild(p, other, arch)
	}
	return deploy.NewBuild(p, arch, other)
}

// sameBuild refuses an archive (field names it) whose content is not the
// model's build: the first semantic difference says where they part.
func sameBuild(model *compiler.Project, field string, data []byte) error {
	ap, _, err := unpack.ReadArchive(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return badRequest("%s: %v", field, err)
	}
	changes := diff.Semantic(model, ap)
	if len(changes) == 0 {
		return nil
	}
	c := changes[0]
	what := c.Kind + " " + c.Name
	switch c.Change {
	case diff.Added:
		what += " is in the archive only"
	case diff.Removed:
		what += " is in the Model only"
	default:
		what += fmt.Sprintf(" %s is %q in the Model, %q in the archive", c.Field, c.Old, c.New)
	}
	return badRequest("%s is not the build of the Model: %d difference(s), the first: %s; send the model and archives of one build", field, len(changes), what)
}

// decodeBody decodes the JSON object body of action op into v, whose
// members are op's parameters, refusing members v does not have. A body
// over the size limit is that error (413); any other failure a 400 that
// says, in the API's words, what in the body is wrong and what op takes
// (bodyError).
func decodeBody(r *http.Request, v any, op string) error {
	if err := jsonContent(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	if err != nil {
		return badRequest("the body could not be read: %v", err)
	}
	if err := jsonText(b); err != nil {
		return err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 mark some clients write
	if err := exactMembers(b, v, op); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(op, err)
	}
	return nil
}

// decodeBinary decodes an Edm.Binary parameter: base64url as OData's JSON
// format writes it, or standard base64 as Dataverse's clients send it,
// padded or not.
func decodeBinary(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}
