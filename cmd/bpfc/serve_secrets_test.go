package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeWarnsOfUnopenedSecrets: a server whose key is not the one the
// deploy sealed the environment's secrets with warns at start, naming the
// variable and the key to share, and serves all the same; with the key
// that sealed them it says nothing.
func TestServeWarnsOfUnopenedSecrets(t *testing.T) {
	dir := copyExample(t, "sales")
	hcl := filepath.Join(dir, "bpfc.hcl")
	src, err := os.ReadFile(hcl)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hcl, append(src, "\nvariable \"hook\" {\n  type = \"secret\"\n}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	deployKey := hex.EncodeToString([]byte(strings.Repeat("d", 32)))
	t.Setenv("BPFC_SECRET_KEY", deployKey)
	t.Setenv("BPFC_VAR_HOOK", "https://hooks.example.com/x?sig=abc")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy: %d %s", code, stderr)
	}

	t.Setenv("BPFC_SECRET_KEY", hex.EncodeToString([]byte(strings.Repeat("s", 32))))
	_, stop := startServe(t, dir, "dev")
	logged := stop()
	if !strings.Contains(logged, "warning: serve: this server's secret key (BPFC_SECRET_KEY) cannot open the value of hook (") ||
		!strings.Contains(logged, "Start the server with the BPFC_SECRET_KEY of the process that deployed them") {
		t.Errorf("a server with another key: no warning:\n%s", logged)
	}

	t.Setenv("BPFC_SECRET_KEY", deployKey)
	_, stop = startServe(t, dir, "dev")
	if logged := stop(); strings.Contains(logged, "secret") {
		t.Errorf("a server with the deploy's key warned:\n%s", logged)
	}
}
