package webapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The business process flow functions of the Web API:
// RetrieveProcessInstances(EntityLogicalName='lead',EntityId=ID) and
// RetrieveActivePath(ProcessInstanceId=ID), in Dataverse's response shapes
// (their parameters: operations.go; their response types: complexTypes
// in metadata.go).

// functionParams reads "Name(a='x',b=ID)" into its parameters.
func functionParams(seg string, query url.Values) (map[string]string, error) {
	if !strings.Contains(seg, "(") {
		return map[string]string{}, nil // WhoAmI as Dataverse takes it, without ()
	}
	_, inner, ok := splitKeyRaw(seg)
	if !ok {
		return nil, badRequest("%q: write the function's parameters in parentheses", seg)
	}
	out := map[string]string{}
	for len(inner) > 0 {
		eq := strings.IndexByte(inner, '=')
		if eq <= 0 {
			return nil, badRequest("%q: a parameter is Name=value", seg)
		}
		name := strings.TrimSpace(inner[:eq])
		rest := strings.TrimLeft(inner[eq+1:], " ")
		var val string
		quoted := strings.HasPrefix(rest, "'")
		if quoted {
			var b strings.Builder
			i := 1
			for ; i < len(rest); i++ {
				if rest[i] == '\'' {
					if i+1 < len(rest) && rest[i+1] == '\'' {
						b.WriteByte('\'')
						i++
						continue
					}
					break
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return nil, badRequest("%q: a text value is not closed", seg)
			}
			val, rest = b.String(), strings.TrimLeft(rest[i+1:], " ")
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if strings.HasPrefix(val, "@") && !quoted {
			// A parameter alias: Name=@p1 with @p1=value in the query.
			v, ok := query[val]
			if !ok {
				return nil, badRequest("%q: the query string gives no value for the alias %s (add &%s=...)", seg, val, val)
			}
			val, quoted = unquote(v[0]), strings.HasPrefix(v[0], "'")
		}
		if _, dup := out[name]; dup {
			return nil, badRequest("%q: parameter %s is given twice", seg, name)
		}
		if !quoted && val == "null" {
			val = "" // OData's null: as if not given
		}
		out[name] = engine.CanonicalID(val)
		if rest != "" && rest[0] != ',' {
			return nil, badRequest("%q: expected ',' between parameters", seg)
		}
		inner = strings.TrimPrefix(rest, ",")
	}
	return out, nil
}

// splitKeyRaw splits "Name(inner)" without unquoting.
func splitKeyRaw(seg string) (string, string, bool) {
	i := strings.IndexByte(seg, '(')
	if i <= 0 || !strings.HasSuffix(seg, ")") {
		return seg, "", false
	}
	return seg[:i], seg[i+1 : len(seg)-1], true
}

func (s *Server) function(w http.ResponseWriter, r *http.Request, op *operation, seg string) {
	params, err := functionParams(seg, r.URL.Query())
	if err == nil {
		err = op.takesAll(params)
	}
	for k := range r.URL.Query() {
		// A function's answer is no entity set: an option answered as if
		// applied would mislead ($filter answered with every row).
		if err == nil && strings.HasPrefix(k, "$") {
			err = badRequest("%s answers as it is: query option %s does not apply to it", op.Name, k)
		}
	}
	if err == nil {
		err = op.need(params)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, sess := r.Context(), session(r)
	switch op.Name {
	case "WhoAmI":
		me, err := sess.WhoAmI(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body := map[string]any{"BusinessUnitId": me.BusinessUnitID, "UserId": me.UserID, "OrganizationId": me.OrganizationID}
		setContext(w, r, body, "#Microsoft.Dynamics.CRM.WhoAmIResponse")
		writeJSON(w, http.StatusOK, body)
	case "RetrieveProcessInstances":
		ins, err := sess.ProcessInstances(ctx, params["EntityLogicalName"], params["EntityId"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		procs := make([]map[string]any, 0, len(ins))
		for _, in := range ins {
			procs = append(procs, map[string]any{
				"@odata.etag":                   etag(in.Row),
				"businessprocessflowinstanceid": in.ID,
				"processinstanceid":             in.ID,
				"name":                          in.ProcessName, // the process's, as Dataverse's samples read it (not bpf_name)
				"_processid_value":              in.ProcessID,
				"processstageid":                in.ActiveStageID, // as Microsoft's documentation reads it
				"_processstageid_value":         in.ActiveStageID,
				"_activestageid_value":          in.ActiveStageID,
				"statecode":                     in.StateCode,
				"statuscode":                    in.StatusCode,
				"traversedpath":                 in.Row["traversedpath"],
				"entitylogicalname":             in.Table,
				"uniquename":                    in.UniqueName,
				"modifiedon":                    jsonValue(in.ModifiedOn),
			})
		}
		body := map[string]any{"Processes": procs}
		setContext(w, r, body, "#Microsoft.Dynamics.CRM.RetrieveProcessInstancesResponse")
		writeJSON(w, http.StatusOK, body)
	case "RetrieveActivePath":
		stages, in, err := sess.ActivePath(ctx, params["ProcessInstanceId"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]map[string]any, 0, len(stages))
		for _, st := range stages {
			category := any(nil) // none: null, as processstages gives it
			if st.Category >= 0 {
				category = st.Category
			}
			out = append(out, map[string]any{
				"@odata.etag":           etag(store.Row{store.RowVersionColumn: st.Version}),
				"versionnumber":         st.Version,
				"processstageid":        st.ID,
				"stagename":             st.DisplayName,
				"uniquename":            st.Name,
				"stagecategory":         category,
				"primaryentitytypecode": st.Table,
				"_processid_value":      st.ProcessID,
				"isactive":              st.Name == in.ActiveStage,
			})
		}
		body := map[string]any{"ProcessStages": out}
		setContext(w, r, body, "#Microsoft.Dynamics.CRM.RetrieveActivePathResponse")
		writeJSON(w, http.StatusOK, body)
	default:
		s.fail(w, r, unserved(op))
	}
}
