package deploy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/solution"
)

// Sources of a variable's value, as recorded in the store.
const (
	SourceEnvironment = "environment" // the environment block's values
	SourceSettings    = "settings"    // --settings FILE
	SourceProcess     = "BPFC_VAR"    // BPFC_VAR_<SCHEMANAME> or BPFC_VAR_<NAME>
	SourceKept        = "kept"        // a value already in the environment, from --settings or BPFC_VAR
	SourceArchive     = "archive"     // the current value the imported archive ships
)

// SettingsFile is a deployment settings file as bpfc reads it.
type SettingsFile struct {
	Values map[string]string // the environment variables' values by schema name
	// At is where the file gives each of Values (file:line:col of its
	// EnvironmentVariables entry), for a refusal of the value to point at.
	At map[string]string
	// ConnectionReferences are the logical names of the connection
	// references the file gives a connection (pac writes them beside the
	// variables): bpfc's solutions have none, so none is used.
	ConnectionReferences []string
}

// ReadSettingsFile reads a deployment settings file in the format of `pac
// solution create-settings`: {"EnvironmentVariables": [{"SchemaName": …,
// "Value": …}]}. It returns the values by schema name; empty values (the
// template's placeholders) are left out.
// It also names the connection references the file gives.
func ReadSettingsFile(path string) (*SettingsFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		EnvironmentVariables []struct {
			SchemaName string `json:"SchemaName"`
			Value      any    `json:"Value"`
		} `json:"EnvironmentVariables"`
		ConnectionReferences []struct {
			LogicalName  string `json:"LogicalName"`
			ConnectionID string `json:"ConnectionId"`
		} `json:"ConnectionReferences"`
	}
	const shape = `{"EnvironmentVariables": [{"SchemaName": "…", "Value": "…"}]} (what pac solution create-settings writes)`
	bomless := bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	text := bytes.TrimSpace(bomless)
	if len(text) == 0 || text[0] != '{' {
		return nil, fmt.Errorf("%s: not a deployment settings file: expected a JSON object %s", path, shape)
	}
	// Offsets in text are made positions in the file (line:column).
	skipped := len(b) - len(bytes.TrimLeft(bomless, " \t\r\n"))
	at := func(off int64) string { return path + ":" + lineColumn(b, skipped+int(off)) }
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s: not a deployment settings file: %s is a JSON %s; expected %s", at(te.Offset-1), cmp.Or(te.Field, "the document"), te.Value, shape)
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s: not a deployment settings file: %w", at(se.Offset-1), err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%s: not a deployment settings file: it ends before its JSON object does (a closing } or ] is missing)", at(int64(len(text))))
		}
		return nil, fmt.Errorf("%s: not a deployment settings file: %w", path, err)
	}
	if dec.More() {
		rest := text[dec.InputOffset():]
		next := len(text) - len(bytes.TrimLeft(rest, " \t\r\n"))
		return nil, fmt.Errorf("%s: not a deployment settings file: more follows the JSON object", at(int64(next)))
	}
	offs := entryOffsets(text)
	entryAt := func(i int) string {
		if i < len(offs) {
			return at(offs[i])
		}
		return path
	}
	out, where := map[string]string{}, map[string]string{}
	seen := map[string]bool{}
	for i, v := range doc.EnvironmentVariables {
		if v.SchemaName == "" {
			return nil, fmt.Errorf("%s: EnvironmentVariables[%d] has no SchemaName", entryAt(i), i)
		}
		key := strings.ToLower(v.SchemaName) // schema names do not depend on case
		if seen[key] {
			return nil, fmt.Errorf("%s: %s is given twice (EnvironmentVariables[%d]); give each variable once", entryAt(i), v.SchemaName, i)
		}
		seen[key] = true
		var s string
		switch x := v.Value.(type) {
		case nil:
		case string:
			s = x
		case json.Number:
			s = x.String()
		case bool:
			s = strconv.FormatBool(x)
		default:
			return nil, fmt.Errorf("%s: the Value of %s must be a string", entryAt(i), v.SchemaName)
		}
		if s != "" {
			out[v.SchemaName], where[v.SchemaName] = s, entryAt(i)
		}
	}
	f := &SettingsFile{Values: out, At: where}
	for _, c := range doc.ConnectionReferences {
		if c.ConnectionID != "" {
			f.ConnectionReferences = append(f.ConnectionReferences, cmp.Or(c.LogicalName, "(unnamed)"))
		}
	}
	return f, nil
}

// entryOffsets are the offsets in text, a settings file's JSON object that
// decodes, of its EnvironmentVariables entries: the key as encoding/json
// matches it (in any case; the last such key is the one decoded).
func entryOffsets(text []byte) []int64 {
	dec := json.NewDecoder(bytes.NewReader(text))
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	var out []int64
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return out
		}
		if k, _ := key.(string); !strings.EqualFold(k, "EnvironmentVariables") {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return out
			}
			continue
		}
		out = nil
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			continue // null: no entries
		}
		for dec.More() {
			// The offset is after the previous token: the entry starts
			// past the blanks and the comma.
			off := dec.InputOffset()
			off += int64(len(text[off:]) - len(bytes.TrimLeft(text[off:], " \t\r\n,")))
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return out
			}
			out = append(out, off)
		}
		if _, err := dec.Token(); err != nil { // ]
			return out
		}
	}
	return out
}

// value is a variable's resolved value in one environment.
type value struct {
	v      *compiler.Variable
	text   string // as Dataverse stores it; secrets: the clear text, sealed before storing
	source string // "" = none (the definition's default applies)
	// shadowed is the note that the process gives v two different values
	// (by schema name and by short name) and which one is taken; "" else.
	shadowed string
}

// resolveValues finds each variable's value for env: a settings file, then
// the process's BPFC_VAR_<SCHEMANAME> or BPFC_VAR_<NAME> (processValue),
// then the environment block's values (block's, by schema name, when not
// nil: a remote deploy's), then the value an earlier settings file or
// process variable left in the environment (kept; secrets: the process's
// value or the sealed value kept). A variable with
// neither a value nor a default is a cause of refusal; so is a value that is
// not of the variable's type. An empty string is not a value. A cause
// about a settings file's value starts with its place there (settingsAt).
func resolveValues(p *compiler.Project, env *compiler.Environment, settings, settingsAt, block map[string]string, getenv func(string) string,
	current map[string]store.VariableValue, shipped map[string]string) ([]value, []string) {
	var out []value
	settings, causes := bySchemaName(p, settings, settingsAt, "the settings file")
	if block != nil {
		var bc []string
		block, bc = bySchemaName(p, block, nil, "the deploying project's environment block")
		causes = append(causes, bc...)
	}
	for _, v := range p.Variables {
		fromArchive := shippedValue(v, shipped)
		val := value{v: v}
		k, isKept := keptValue(current, v.SchemaName)
		fromProcess, procName, other := processValue(v, getenv)
		// Said only when the process's value is the one taken (a settings
		// file's comes before both).
		shadowed := func(val value) value {
			if other != "" && val.source == SourceProcess {
				val.shadowed = shadowNote(v, procName, other)
			}
			return val
		}
		if v.Type == compiler.VarSecret {
			if settings[v.SchemaName] != "" {
				causes = append(causes, fmt.Sprintf("%ssecret %s has a value in the settings file: secrets come only from %s, so that they never sit in a file",
					place(settingsAt, v.SchemaName), v.Name, v.EnvVarHint()))
				continue
			}
			switch {
			case fromProcess != "":
				if summary, detail := p.ValueProblem(v, fromProcess); summary != "" {
					causes = append(causes, fmt.Sprintf("the value of %s from %s is not valid: %s", v.Name, procName, detail))
					continue
				}
				val.text, val.source = fromProcess, SourceProcess
			case isKept && len(k.Sealed) > 0:
				val.source = SourceKept
			case isKept && k.Source == SourceProcess:
				// An upgrade made a string a secret: the value an earlier
				// BPFC_VAR_<NAME> gave is sealed now, never kept as clear text.
				if summary, detail := p.ValueProblem(v, k.Value); summary != "" {
					causes = append(causes, fmt.Sprintf("the value of %s that environment %s keeps (from %s) is not valid now: %s; give a new one in %s",
						v.Name, env.Name, processOrigin(v), strings.TrimSuffix(detail, "."), v.EnvVarHint()))
					continue
				}
				val.text, val.source = k.Value, SourceProcess
			case v.Optional:
				// none: the secret is empty here
			default:
				c := fmt.Sprintf("secret %s has no value for environment %s: set %s", v.Name, env.Name, v.EnvVarHint())
				if isKept {
					// A string's value from a settings file is not made a
					// secret's: a secret's value never sits in a file.
					c += " (the value it keeps from the settings file, given before it was a secret, is not taken: a secret's value never sits in a file)"
				}
				causes = append(causes, c)
				continue
			}
			out = append(out, shadowed(val))
			continue
		}
		var raw, source string
		switch {
		case settings[v.SchemaName] != "":
			raw, source = settings[v.SchemaName], SourceSettings
		case block[v.SchemaName] != "":
			// A remote deploy's block: what the deploying side gives
			// comes before the serving process's BPFC_VAR_<NAME>.
		case fromProcess != "":
			raw, source = fromProcess, SourceProcess
		}
		if source != "" {
			text, err := checkedText(p, v, raw)
			if err != nil {
				where := ""
				if source == SourceSettings {
					where = place(settingsAt, v.SchemaName)
				}
				causes = append(causes, fmt.Sprintf("%sthe value of %s from %s is not valid: %v", where, v.Name, sourceText(source, procName), err))
				continue
			}
			val.text, val.source = text, source
		} else if block != nil && block[v.SchemaName] != "" {
			text, err := checkedText(p, v, block[v.SchemaName])
			if err != nil {
				causes = append(causes, fmt.Sprintf("the value of %s in environment %q is not valid: %v", v.Name, env.Name, err))
				continue
			}
			val.text, val.source = text, SourceEnvironment
		} else if cv, ok := env.Values[v.Name]; ok && !solution.NoVariableValue(cv) && block == nil {
			text, err := solution.VariableValueText(v.Type, cv)
			if err != nil {
				causes = append(causes, fmt.Sprintf("the value of %s in environment %q is not valid: %v", v.Name, env.Name, err))
				continue
			}
			val.text, val.source = text, SourceEnvironment
		} else if isKept && k.Value != "" {
			if _, err := parseText(v.Type, k.Value); err != nil {
				causes = append(causes, fmt.Sprintf("the value of %s that environment %s keeps (from %s) is not valid for its type now: %v; give a new one",
					v.Name, env.Name, sourceText(k.Source, processOrigin(v)), err))
				continue
			}
			// The new build may use it where it was not (compare it with a
			// date-only column): it must pass as a value given now would.
			if _, detail := p.ValueProblem(v, k.Value); detail != "" {
				causes = append(causes, fmt.Sprintf("the value of %s that environment %s keeps (from %s) is not valid now: %s; give a new one",
					v.Name, env.Name, sourceText(k.Source, processOrigin(v)), strings.TrimSuffix(detail, ".")))
				continue
			}
			val.text, val.source = k.Value, SourceKept
		} else if fromArchive != "" {
			text, err := checkedText(p, v, fromArchive)
			if err != nil {
				causes = append(causes, fmt.Sprintf("the current value of %s that the archive ships is not valid: %v; give one in environment %q values, a --settings file or %s",
					v.Name, err, env.Name, v.EnvVarHint()))
				continue
			}
			val.text, val.source = text, SourceArchive
		} else if !v.GivesDefault() && !v.Optional {
			causes = append(causes, fmt.Sprintf("variable %s has no value for environment %s and no default: set it in environment %q values, in a --settings file (SchemaName %s), or in %s",
				v.Name, env.Name, env.Name, v.SchemaName, v.EnvVarHint()))
			continue
		}
		out = append(out, shadowed(val))
	}
	return out, causes
}

// shadowNote says that the process gives v two different values, by
// schema name (taken, from) and by short name (other).
func shadowNote(v *compiler.Variable, from, other string) string {
	return fmt.Sprintf("%s and %s give %s different values: %s's is taken (the schema name's comes first)", from, other, v.Name, from)
}

// shadowNotes are the notes of the variables whose value the process gives
// twice, differently (value.shadowed).
func shadowNotes(vals []value) []string {
	var out []string
	for _, v := range vals {
		if v.shadowed != "" {
			out = append(out, v.shadowed)
		}
	}
	return out
}

// SentValues are what a deploy to a remote environment (url = "http://…")
// sends of its variables' values, by schema name, resolved on the
// deploying side as a local deploy resolves them: Settings from the
// settings file, then BPFC_VAR_<NAME> (the environment keeps them for later
// imports, as a local one does); Environment from env's block (they follow
// the project: one the block no longer names is back to its default);
// Secrets only from BPFC_VAR_<NAME> (the server seals them as its own).
// What this side gives none of, the server resolves from what it keeps.
type SentValues struct {
	Settings, Environment, Secrets map[string]string
	// Notes are said on the deploying side, beside the server's: the
	// variables the process gives two different values (shadowNote),
	// which the server, sent one, cannot tell.
	Notes []string
}

// RemoteValues are the values a deploy of p to env sends (SentValues).
// settingsAt are the settings' places in their file (SettingsFile.At).
func RemoteValues(p *compiler.Project, env *compiler.Environment, settings, settingsAt map[string]string, getenv func(string) string) (SentValues, error) {
	settings, causes := bySchemaName(p, settings, settingsAt, "the settings file")
	if len(causes) > 0 {
		return SentValues{}, errors.New(strings.Join(causes, "; "))
	}
	values, block, secrets := map[string]string{}, map[string]string{}, map[string]string{}
	var notes []string
	for _, v := range p.Variables {
		fromProcess, procName, other := processValue(v, getenv)
		if other != "" && settings[v.SchemaName] == "" {
			notes = append(notes, shadowNote(v, procName, other))
		}
		switch {
		case v.Type == compiler.VarSecret:
			if settings[v.SchemaName] != "" {
				return SentValues{}, fmt.Errorf("%ssecret %s has a value in the settings file: secrets come only from %s, so that they never sit in a file",
					place(settingsAt, v.SchemaName), v.Name, v.EnvVarHint())
			}
			if fromProcess != "" {
				secrets[v.SchemaName] = fromProcess
			}
		case settings[v.SchemaName] != "":
			values[v.SchemaName] = settings[v.SchemaName]
		case fromProcess != "":
			values[v.SchemaName] = fromProcess
		default:
			if cv, ok := env.Values[v.Name]; ok && !solution.NoVariableValue(cv) {
				text, err := solution.VariableValueText(v.Type, cv)
				if err != nil {
					return SentValues{}, fmt.Errorf("the value of %s in environment %q is not valid: %w", v.Name, env.Name, err)
				}
				block[v.SchemaName] = text
			}
		}
	}
	return SentValues{Settings: values, Environment: block, Secrets: secrets, Notes: notes}, nil
}

// SecretsGetenv is getenv with the secrets a remote deploy sent (by schema
// name) in place of their BPFC_VAR_<NAME>: how a server resolves them as
// if its own process had them. A name of no secret variable of p is an
// error.
func SecretsGetenv(p *compiler.Project, secrets map[string]string, getenv func(string) string) (func(string) string, error) {
	if len(secrets) == 0 {
		return getenv, nil
	}
	byVar := map[string]string{}
	for _, schema := range slices.Sorted(maps.Keys(secrets)) {
		val := secrets[schema]
		i := slices.IndexFunc(p.Variables, func(v *compiler.Variable) bool { return strings.EqualFold(v.SchemaName, schema) })
		if i < 0 || p.Variables[i].Type != compiler.VarSecret {
			return nil, fmt.Errorf("%s is not a secret variable of the build", schema)
		}
		// Under both names the server's process could give it: what the
		// deploying side sends comes before either.
		byVar[p.Variables[i].SchemaEnvVar()] = val
		byVar[p.Variables[i].ShortEnvVar()] = val
	}
	return func(k string) string {
		if v, ok := byVar[k]; ok {
			return v
		}
		if getenv == nil {
			return os.Getenv(k)
		}
		return getenv(k)
	}, nil
}

// checkedText is raw (text as a settings file gives it) as v's value, or
// why it is none: not of v's type, or outside what v takes.
func checkedText(p *compiler.Project, v *compiler.Variable, raw string) (string, error) {
	text, err := parseText(v.Type, raw)
	if err != nil {
		return "", err
	}
	if summary, detail := p.ValueProblem(v, text); summary != "" {
		return "", errors.New(detail)
	}
	return text, nil
}

// keptValue is the value the environment keeps for a variable when an
// import gives none: one a settings file or BPFC_VAR_<NAME> set, as
// Dataverse keeps a current value (the environment block's follow the
// project, an archive's value the archive).
func keptValue(current map[string]store.VariableValue, schema string) (store.VariableValue, bool) {
	v, ok := current[schema]
	return v, ok && v.Source != SourceEnvironment && v.Source != SourceArchive && (len(v.Sealed) > 0 || v.Value != "")
}

// shippedValue is the current value an archive ships for v (shipped, by
// the archive's schema names): the same schema name in any case, or, as
// unpack names a variable of another publisher's prefix with the
// project's, the one schema name with the same part after the prefix.
// Secrets take none: their values come only from BPFC_VAR_<NAME>. ""
// is none, as everywhere a value is given.
func shippedValue(v *compiler.Variable, shipped map[string]string) string {
	if v.Type == compiler.VarSecret || len(shipped) == 0 {
		return ""
	}
	_, name, _ := strings.Cut(v.SchemaName, "_")
	var byName []string
	for schema, val := range shipped {
		if strings.EqualFold(schema, v.SchemaName) {
			return val
		}
		if _, n, ok := strings.Cut(schema, "_"); ok && strings.EqualFold(n, name) {
			byName = append(byName, val)
		}
	}
	if len(byName) == 1 {
		return byName[0]
	}
	return ""
}

// bySchemaName keys a settings file's values by the project's schema
// names: Dataverse's schema names do not depend on case, so neither does
// the file (pac's, made from the solution, may spell them otherwise than
// an unpacked project does). A value for no variable of the project is a
// cause of refusal: left unread, it would leave the variable it was meant
// for at its default; it starts with the value's place in its file (at).
func bySchemaName(p *compiler.Project, settings, at map[string]string, from string) (map[string]string, []string) {
	byLower := make(map[string]string, len(p.Variables)) // lower case -> schema name
	var lowered, schemas []string
	// The variables' names in the project, without the publisher's
	// prefix, are the likeliest slip (big_deal_threshold for
	// new_big_deal_threshold): a name that is one, or close to one, means
	// its variable's schema name.
	byVarName := make(map[string]string, len(p.Variables))
	var varNames []string
	for _, v := range p.Variables {
		l := strings.ToLower(v.SchemaName)
		byLower[l] = v.SchemaName
		lowered = append(lowered, l)
		schemas = append(schemas, v.SchemaName)
		n := strings.ToLower(v.Name)
		byVarName[n] = v.SchemaName
		varNames = append(varNames, n)
	}
	slices.Sort(schemas)
	out := make(map[string]string, len(settings))
	var causes []string
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		if schema, ok := byLower[strings.ToLower(name)]; ok {
			out[schema] = settings[name]
			continue
		}
		c := fmt.Sprintf("%s%s gives a value to %s, which is not the schema name of a variable of the project", place(at, name), from, name)
		bySchema := compiler.ClosestName(strings.ToLower(name), lowered)
		byName := compiler.ClosestName(strings.ToLower(name), varNames)
		switch {
		case bySchema != "":
			c += " (did you mean " + byLower[bySchema] + "?)"
		case byName != "":
			c += " (did you mean " + byVarName[byName] + "? a schema name carries the publisher's prefix)"
		case len(schemas) == 0:
			c += " (the project has no variables)"
		default:
			c += " (its variables' schema names are " + strings.Join(schemas, ", ") + ")"
		}
		causes = append(causes, c)
	}
	return out, causes
}

// place is "file:line:col: ", where at (a settings file's places, by the
// names it spells) has name in any case, or "".
func place(at map[string]string, name string) string {
	for n, pos := range at {
		if strings.EqualFold(n, name) { // the file gives each name once
			return pos + ": "
		}
	}
	return ""
}

// processOrigin names where a value the process gave v came from when
// which of its two names is not known (a value kept from an earlier
// import): "BPFC_VAR_CTS_HOOK or BPFC_VAR_HOOK".
func processOrigin(v *compiler.Variable) string { return strings.Join(v.EnvVarNames(), " or ") }

func sourceText(source, process string) string {
	if source == SourceSettings {
		return "the settings file"
	}
	return process
}

// processValue is v's value in the process environment and the variable
// it came from (BPFC_VAR_<NAME> when none is set): by schema name first
// (BPFC_VAR_<SCHEMANAME>, or as the project spells it), which tells apart
// two solutions' variables of one short name, then by short name
// (BPFC_VAR_<NAME>, or BPFC_VAR_<name>), which existing pipelines set.
// other names the short-name variable when it gives a different value
// than the schema name's, which is taken; "" else.
func processValue(v *compiler.Variable, getenv func(string) string) (value, from, other string) {
	bySchema := []string{v.SchemaEnvVar(), "BPFC_VAR_" + v.SchemaName}
	byName := []string{v.ShortEnvVar(), "BPFC_VAR_" + v.Name}
	first := func(names []string) (string, string) {
		for _, n := range names {
			if s := getenv(n); s != "" {
				return s, n
			}
		}
		return "", ""
	}
	sv, sn := first(bySchema)
	nv, nn := first(byName)
	switch {
	case sv != "" && nv != "" && nv != sv:
		return sv, sn, nn
	case sv != "":
		return sv, sn, ""
	case nv != "":
		return nv, nn, ""
	}
	return "", v.ShortEnvVar(), ""
}

// parseText checks a value given as text (settings file, BPFC_VAR_*) and
// returns it as Dataverse stores it.
func parseText(typ, s string) (string, error) {
	switch typ {
	case compiler.VarNumber:
		// A decimal as Dataverse stores one: ParseFloat alone takes NaN,
		// Inf, hex and underscores, which no branch could compare with.
		t := strings.TrimSpace(s)
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || !decimal.MatchString(t) || math.IsInf(f, 0) {
			return "", fmt.Errorf("%s is not a number (a decimal such as 25000 or 0.5)", compiler.Shorten(s))
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case compiler.VarBoolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "yes", "1":
			return "yes", nil
		case "false", "no", "0":
			return "no", nil
		}
		return "", fmt.Errorf("%s is not a boolean (true/false, yes/no)", compiler.Shorten(s))
	case compiler.VarJSON:
		if !json.Valid([]byte(s)) {
			return "", errors.New("not valid JSON")
		}
	}
	return s, nil
}

// decimal is a number's text in a settings file or BPFC_VAR_<NAME>.
var decimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// defaultText is a definition's default as stored, or nil.
func defaultText(v *compiler.Variable) *string {
	if v.Type == compiler.VarSecret || !v.HasDefault() {
		return nil
	}
	s, err := solution.VariableValueText(v.Type, v.Default)
	if err != nil {
		return nil
	}
	return &s
}

// storeValues writes the variables' definitions and values. A value the
// environment holds already (current), from the same source, is left as it
// is: a secret's is not sealed anew (each sealing differs), and the row's
// modified_on stays when the value was last set.
func storeValues(tx store.Tx, b *Build, env string, vals []value, current map[string]store.VariableValue, o *Options) error {
	p := b.Project
	for _, val := range vals {
		v := val.v
		def := store.VariableDefinition{SchemaName: v.SchemaName, ID: p.VariableID(v), Name: v.Name, Solution: b.Solution(),
			Type: v.Type, Default: defaultText(v), DisplayName: v.DisplayName, Description: v.Description}
		if err := tx.PutVariableDefinition(def); err != nil {
			return err
		}
		cur, had := current[v.SchemaName]
		same := had && val.source != "" && cur.Source == val.source
		switch {
		case val.source == SourceKept:
			// The sealed value the environment has stays.
		case same && v.Type != compiler.VarSecret && len(cur.Sealed) == 0 && cur.Value == val.text:
		case same && v.Type == compiler.VarSecret && len(cur.Sealed) > 0 && o.Keyring != nil && opensTo(o.Keyring, cur.Sealed, env, v.SchemaName, val.text):
		case val.source == "":
			if err := tx.DeleteVariableValue(v.SchemaName); err != nil {
				return err
			}
		case v.Type == compiler.VarSecret:
			if o.Keyring == nil {
				return errors.New("a secret variable needs a keyring to seal its value")
			}
			sealed, err := o.Keyring.Seal(val.text, sealContext(env, v.SchemaName))
			if err != nil {
				return fmt.Errorf("sealing %s: %w", v.Name, err)
			}
			if err := tx.PutVariableValue(store.VariableValue{SchemaName: v.SchemaName, Sealed: sealed, Source: val.source}); err != nil {
				return err
			}
		default:
			if err := tx.PutVariableValue(store.VariableValue{SchemaName: v.SchemaName, Value: val.text, Source: val.source}); err != nil {
				return err
			}
		}
	}
	return nil
}

// valueChanges are the variables whose value in env (current, as the
// environment holds them) changes with vals (a "value" Change each):
// added (none before), changed, or removed (the default applies again). A
// secret's is compared opened, when the keyring can, and its values are
// never in a Change; another's change names both values (Fields). defs
// are the definitions the environment holds, whose default applied until
// now: an added value the same as the build's default changes what
// applies when the build changes the default too.
func valueChanges(current map[string]store.VariableValue, defs map[string]store.VariableDefinition, env string, vals []value,
	keyring *secret.Keyring) []Change {
	var out []Change
	for _, val := range vals {
		v := val.v
		cur, had := current[v.SchemaName]
		action := ""
		switch {
		case val.source == SourceKept:
		case val.source == "":
			if had {
				action = "remove" // the default applies again
			}
		case !had:
			action = "add"
		case v.Type == compiler.VarSecret && keyring == nil:
			action = "change" // cannot tell: said as changed
		case v.Type == compiler.VarSecret:
			if !opensTo(keyring, cur.Sealed, env, v.SchemaName, val.text) {
				action = "change"
			}
		case cur.Value != val.text:
			action = "change"
		}
		if action == "" {
			continue
		}
		c := Change{Action: action, Kind: "value", Name: v.Name}
		switch {
		case v.Type == compiler.VarSecret && had && len(cur.Sealed) == 0 && action == "change" && val.text == cur.Value:
			c.Note = "the value kept in clear text from before it was a secret is sealed now"
		case v.Type == compiler.VarSecret && had && len(cur.Sealed) == 0 && action == "change":
			// A new value from BPFC_VAR_<NAME>: the kept one (a settings
			// file's, say, which a secret never takes) is not what is sealed.
			c.Note = "the value kept in clear text from before it was a secret is replaced by the one from " + processOrigin(v) + ", sealed"
		case v.Type == compiler.VarSecret && had && len(cur.Sealed) == 0:
			c.Note = "the value kept in clear text from before it was a secret is removed: a secret's value comes only from " + v.EnvVarHint()
		}
		if v.Type != compiler.VarSecret {
			text := func(s string) string {
				if v.Type == compiler.VarString {
					return strconv.Quote(s)
				}
				return s
			}
			// What applies without a value: the default, or none.
			d := defaultText(v)
			byDefault := "none"
			if d != nil {
				byDefault = text(*d) + " (the default)"
			}
			// A value the same as the default is still a record that comes
			// or goes, but what applies stays: said so rather than "7 → 7".
			same := func(s string) bool { return d != nil && *d == s }
			old := text(cur.Value)
			if len(cur.Sealed) > 0 {
				// A secret's sealed value is no text to show or compare.
				old, same = "a sealed value (kept from when it was a secret)", func(string) bool { return false }
			}
			// Unless this import changes the default too: until now the
			// environment's definition's applied (none for a new variable
			// is the build's).
			was, stored := d, false
			if def, ok := defs[v.SchemaName]; ok {
				was, stored = def.Default, true
			}
			switch {
			case action == "add" && same(val.text) && stored && (was == nil || *was != val.text):
				before := "none"
				if was != nil {
					before = text(*was) + " (the default until now)"
				}
				c.Fields = []FieldChange{{Field: "value", Old: before, New: text(val.text)}}
			case action == "add" && same(val.text):
				c.Note = "the same as the default, " + text(val.text) + ": what applies does not change"
			case action == "add":
				c.Fields = []FieldChange{{Field: "value", Old: byDefault, New: text(val.text)}}
			case action == "change":
				c.Fields = []FieldChange{{Field: "value", Old: old, New: text(val.text)}}
			case action == "remove" && same(cur.Value):
				c.Note = "the default is the same, " + old + ": what applies does not change"
			case action == "remove": // the default applies again
				c.Fields = []FieldChange{{Field: "value", Old: old, New: byDefault}}
			}
		}
		out = append(out, c)
	}
	return out
}

// SecretInHistory stands in the history for the clear text a variable
// held before it became a secret.
const SecretInHistory = "(secret)"

// scrubSecretHistory takes out of the history the clear text each variable
// of vals that is a secret now held (current) before this import: a
// refusal's message quotes the value it refused ("ftp://…" is not an http
// or https URL), and once the variable is a secret its earlier value must
// not be read there either. Messages show a value quoted (compiler.Shorten,
// %q), a number bare ("cannot hold the number 2147483648") and an email
// value by its bad address alone; those forms are replaced (scrubForms),
// the bare text could be a word of any message; only in the lines that
// name the variable (nameWord), and there only where the cause shows the
// value (scrubLine): the same line may quote a step, a workflow or an
// environment of the same text.
func scrubSecretHistory(tx store.Tx, vals []value, current map[string]store.VariableValue) error {
	for _, val := range vals {
		cur, had := current[val.v.SchemaName]
		if val.v.Type != compiler.VarSecret || !had || len(cur.Sealed) > 0 || cur.Value == "" {
			continue
		}
		names := nameWord(val.v.Name)
		forms := formsOf(cur.Value)
		// Every line that can show the value names the variable so; the
		// value itself is not searched for, as a part or a bare number
		// is no text to find it by.
		err := tx.RewriteImports("value of "+val.v.Name, func(m string) string {
			lines := strings.Split(m, "\n")
			for i, l := range lines {
				if loc := names.FindStringIndex(l); loc != nil {
					lines[i] = scrubLine(l, loc[1], forms)
				}
			}
			return strings.Join(lines, "\n")
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// scrubForms are the ways a cause shows a value: whole, quoted (shortened
// or not); a number bare after "the number " or "the value " (the column
// checks describe a number so); and, for an address list, one address
// quoted (an email step names the first bad one alone).
type scrubForms struct {
	whole, parts []string
	number       *regexp.Regexp
}

// formsOf is how causes can show value (see scrubForms).
func formsOf(value string) scrubForms {
	f := scrubForms{whole: quotedForms(value)}
	if n, _, err := big.ParseFloat(strings.TrimSpace(value), 10, 512, big.ToNearestEven); err == nil {
		// As compiler.describe writes it; not followed by more digits,
		// so that 7 is not found in 7.5 or 75.
		f.number = regexp.MustCompile(`(?:the number|the value) (` + regexp.QuoteMeta(n.Text('f', -1)) + `)(?:$|[^0-9.]|\.(?:$|[^0-9]))`)
	}
	for _, part := range strings.FieldsFunc(value, func(r rune) bool { return r == ';' || r == ',' }) {
		if part = strings.TrimSpace(part); part != "" && part != value {
			f.parts = append(f.parts, quotedForms(part)...)
		}
	}
	return f
}

// quotedForms are s quoted as causes quote it: shortened, and whole.
func quotedForms(s string) []string {
	forms := []string{compiler.Shorten(s)}
	if q := strconv.Quote(s); q != forms[0] {
		forms = append(forms, q)
	}
	return forms
}

// causeMarker ends what a cause says of where a value came from ("the
// value of hook from BPFC_VAR_HOOK is not valid: "); the detail that
// quotes the value follows.
var causeMarker = regexp.MustCompile(`is not valid(?: now| for its type now)?: `)

// scrubLine replaces, in a cause's line whose "value of NAME" ends at from,
// the first place the detail shows the value (forms): after causeMarker,
// before the advice ("; give a new one …", which quotes an environment).
// The detail shows the value first, or after constants that cannot be it
// (a choice's other labels, an example id or date), and a step, workflow
// or column after: replacing every copy on the line also replaced those,
// and told, by the "(secret)" in "step (secret)", what the value had been.
// The whole value is looked for before its parts: a part may be such a
// constant (the example id), where the whole is quoted after it.
// A line already scrubbed is left as it is: a later copy is a constant.
func scrubLine(line string, from int, forms scrubForms) string {
	if m := causeMarker.FindStringIndex(line[from:]); m != nil {
		from += m[1]
	}
	to := len(line)
	if i := strings.LastIndex(line, "; give "); i >= from {
		to = i
	}
	region := line[from:to]
	if strings.Contains(region, SecretInHistory) {
		return line
	}
	at, end := firstOf(region, forms.whole)
	if forms.number != nil {
		if m := forms.number.FindStringSubmatchIndex(region); m != nil && (at < 0 || m[2] < at) {
			at, end = m[2], m[3]
		}
	}
	if at < 0 {
		at, end = firstOf(region, forms.parts)
	}
	if at < 0 {
		return line
	}
	return line[:from+at] + SecretInHistory + line[from+end:]
}

// firstOf is where in region the first of forms starts and ends, or -1.
func firstOf(region string, forms []string) (at, end int) {
	at, end = -1, -1
	for _, f := range forms {
		if i := strings.Index(region, f); i >= 0 && (at < 0 || i < at) {
			at, end = i, i+len(f)
		}
	}
	return at, end
}

// nameWord matches where a refusal's cause, one line of a history
// message, names the variable whose value it quotes: every such cause
// says "the value of hook …" (or "the current value of hook"). A short
// value ("2") quoted in the cause of another variable is that one's, to be
// left readable (replacing it there would also tell what the secret's
// value was). The name alone is not enough: a variable named value, say,
// is a word of every cause.
func nameWord(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9_])value of ` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_])`)
}

// opensTo reports whether sealed opens to text with keyring (false when it
// cannot be opened: sealed with another key, say).
func opensTo(keyring *secret.Keyring, sealed []byte, env, schemaName, text string) bool {
	if len(sealed) == 0 {
		return false // clear text kept from before the variable was a secret
	}
	old, err := keyring.Open(sealed, sealContext(env, schemaName))
	return err == nil && old == text
}

// sealContext binds a sealed value to its environment and variable.
func sealContext(env, schemaName string) string { return env + "/" + schemaName }

// lineColumn is byte offset off of data as "line:column" (both from 1;
// columns count bytes). An offset past the end is the end.
func lineColumn(data []byte, off int) string {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("%d:%d", line, col)
}
