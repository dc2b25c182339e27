package deploy

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestSecretsGetenvNamesFirstBad: of several names that are no secret
// variable, the error names the first in order, the same on every call.
func TestSecretsGetenvNamesFirstBad(t *testing.T) {
	p := &compiler.Project{Variables: []*compiler.Variable{
		{Name: "api_key", SchemaName: "cts_api_key", Type: compiler.VarSecret},
		{Name: "limit", SchemaName: "cts_limit", Type: compiler.VarNumber},
	}}
	secrets := map[string]string{"cts_api_key": "k", "cts_zeta": "z", "cts_limit": "1", "cts_mu": "m", "cts_beta": "b"}
	for i := range 50 {
		_, err := SecretsGetenv(p, secrets, nil)
		if err == nil || err.Error() != "cts_beta is not a secret variable of the build" {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	get, err := SecretsGetenv(p, map[string]string{"CTS_API_KEY": "k"}, func(string) string { return "" })
	if err != nil || get("BPFC_VAR_API_KEY") != "k" {
		t.Fatalf("a secret: %v", err)
	}
}
