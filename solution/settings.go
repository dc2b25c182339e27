package solution

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

// DeploymentSettings is the deployment settings file of `pac solution
// create-settings`, which `bpfc deploy --settings` also reads.
type DeploymentSettings struct {
	EnvironmentVariables []SettingsVariable   `json:"EnvironmentVariables"`
	ConnectionReferences []SettingsConnection `json:"ConnectionReferences"`
}

// SettingsVariable is the value of one environment variable for one environment.
type SettingsVariable struct {
	SchemaName string `json:"SchemaName"`
	Value      string `json:"Value"`
}

// SettingsConnection is a connection reference; bpfc solutions have none.
type SettingsConnection struct {
	LogicalName  string `json:"LogicalName"`
	ConnectionID string `json:"ConnectionId"`
	ConnectorID  string `json:"ConnectorId"`
}

// CreateSettings returns a deployment settings template for the project, as
// `pac solution create-settings` writes it: every environment variable by
// schema name, sorted, with an empty value to fill in, and no connection
// references. Secrets are left out: their value comes only from
// BPFC_VAR_<NAME>, and deploy refuses one in a settings file. Two-space
// indent, LF, final newline.
func CreateSettings(p *compiler.Project) ([]byte, error) {
	s := DeploymentSettings{
		EnvironmentVariables: []SettingsVariable{},
		ConnectionReferences: []SettingsConnection{},
	}
	for _, v := range SettingsVariables(p) {
		s.EnvironmentVariables = append(s.EnvironmentVariables, SettingsVariable{SchemaName: v.SchemaName})
	}
	slices.SortFunc(s.EnvironmentVariables, func(a, b SettingsVariable) int {
		return strings.Compare(a.SchemaName, b.SchemaName)
	})
	return marshalJSON(s)
}

// SettingsVariables are the variables a settings file gives values to:
// all but the secrets.
func SettingsVariables(p *compiler.Project) []*compiler.Variable {
	var out []*compiler.Variable
	for _, v := range p.Variables {
		if v.Type != compiler.VarSecret {
			out = append(out, v)
		}
	}
	return out
}

// marshalJSON is the JSON form of every file bpfc writes: two-space indent,
// no HTML escaping, LF and a final newline.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
