package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
)

// TestLifecycleOpenFailedDocument: uninstall and apply-upgrade --output
// json whose store is not a database print the failed outcome document, as
// an import does; they printed only the error.
func TestLifecycleOpenFailedDocument(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, ".bpfc", "dev.db"), []byte("not a database\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"uninstall", "ContosoSales", "--yes"}, {"apply-upgrade", "ContosoSales"}} {
		code, stdout, stderr := bpfc(t, append([]string{"-C", dir}, append(args, "--env", "dev", "--output", "json")...)...)
		var doc deploy.Outcome
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 1 || doc.Result != deploy.Failed || doc.Operation != args[0] ||
			doc.Solution != "ContosoSales" || doc.Environment != "dev" || !strings.Contains(doc.Message, "not an SQLite database") ||
			!strings.Contains(stderr, "not an SQLite database") {
			t.Errorf("%s while dev.db is not a database: %d %v\n%s\n%s", args[0], code, err, stdout, stderr)
		}
	}
}
