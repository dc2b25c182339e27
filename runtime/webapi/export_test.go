package webapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestExportSolution: bpfc_ExportSolution gives the build live in the
// environment, as ImportSolution takes it (model and archives, checked by
// Client.Export); administrators only; a solution not installed is 404.
func TestExportSolution(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	deployed := build(t, f.p) // what serve deployed (builds are reproducible)

	c := &Client{URL: f.url, Token: f.admin, Env: "dev"}
	b, err := c.Export(ctx, "ContosoSales")
	if err != nil {
		t.Fatal(err)
	}
	if b.Digest != deployed.Digest || b.Version() != "1.0.0.0" || !bytes.Equal(b.Model, deployed.Model) ||
		!bytes.Equal(b.Unmanaged.Data, deployed.Unmanaged.Data) || !bytes.Equal(b.Managed.Data, deployed.Managed.Data) ||
		b.Managed.Name != deployed.Managed.Name {
		t.Errorf("exported %s %s (%s, %s), deployed %s", b.Digest, b.Version(), b.Unmanaged.Name, b.Managed.Name, deployed.Digest)
	}
	installed, holding, err := c.Installed(ctx, "ContosoSales")
	if err != nil || installed.BuildDigest != deployed.Digest || installed.Version != "1.0.0.0" || holding.BuildDigest != "" {
		t.Errorf("installed %+v %+v %v", installed, holding, err)
	}
	r := f.do("POST", "bpfc_ExportSolution", f.admin, map[string]any{"SolutionName": "ContosoSales", "SummaryOnly": true}).must(t, 200)
	if r.str("Digest") != deployed.Digest || r.body["Model"] != nil || r.body["Managed"] != nil {
		t.Errorf("summary: %s", r.raw)
	}

	// Not installed: 404, which the client reports as store.ErrNotFound.
	if _, err := c.Export(ctx, "NoSuchSolution"); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "not installed in environment dev") {
		t.Errorf("unknown solution: %v", err)
	}
	// Administrators only; the body is checked.
	sam := &Client{URL: f.url, Token: f.user("sam", "salesperson")}
	var ae *APIError
	if _, err := sam.Export(ctx, "ContosoSales"); !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		t.Errorf("a salesperson: %v", err)
	}
	for body, want := range map[string]string{
		`{}`:                                "SolutionName is required",
		`{"SolutionName": "x", "Extra": 1}`: "The property 'Extra' does not exist on type 'Microsoft.Dynamics.CRM.bpfc_ExportSolution'",
		`[]`:                                "the body of bpfc_ExportSolution is an array, not a JSON object",
	} {
		r := f.do("POST", "bpfc_ExportSolution", f.admin, body).must(t, 400)
		if !strings.Contains(string(r.raw), want) {
			t.Errorf("%s: %s, want %q", body, r.raw, want)
		}
	}
	f.do("GET", "bpfc_ExportSolution", f.admin, nil).must(t, 405) // an action: POST
}

// TestExportAfterRemoteImport: a build imported through ImportSolution
// keeps the archive of the other flavour that came with it, so that the
// environment can promote it on to one of that flavour; a staged upgrade is
// the live build, with what is installed beneath it.
func TestExportAfterRemoteImport(t *testing.T) {
	p := project(t, "sales", "staging.hcl", "environment \"staging\" {\n  managed = true\n}\n")
	ctx := context.Background()
	base := build(t, p)
	testenv.Deploy(t, p, "staging", base)
	f := serveEnv(t, p, "staging", fixtureOptions{})
	hcl, err := os.ReadFile(filepath.Join(f.p.Dir, "bpfc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(t.TempDir(), "next")
	if err := os.CopyFS(next, os.DirFS(f.p.Dir)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(next, ".bpfc"))
	testenv.Write(t, next, "bpfc.hcl", strings.Replace(string(hcl), `version      = "1.0.0.0"`, `version      = "1.1.0.0"`, 1))
	b := build(t, testenv.Load(t, next))

	c := &Client{URL: f.url, Token: f.admin}
	if _, err := c.Import(ctx, b, true, deploy.Stage, nil, ""); err != nil {
		t.Fatalf("import: %v", err)
	}
	got, err := c.Export(ctx, "ContosoSales")
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != b.Digest || !bytes.Equal(got.Managed.Data, b.Managed.Data) || got.Managed.Name != b.Managed.Name ||
		!bytes.Equal(got.Unmanaged.Data, b.Unmanaged.Data) {
		t.Errorf("exported %s (managed %q), imported %s", got.Digest, got.Managed.Name, b.Digest)
	}
	installed, holding, err := c.Installed(ctx, "ContosoSales")
	if err != nil || installed.BuildDigest != base.Digest || installed.Version != "1.0.0.0" || holding.BuildDigest != b.Digest ||
		holding.Version != "1.1.0.0" {
		t.Errorf("staged: installed %+v, holding %+v, %v", installed, holding, err)
	}

	// The other archive must be the same solution and version, of the
	// other flavour.
	for name, req := range map[string]ImportRequest{
		"same flavour":  importRequest(b, b.Managed, b.Managed),
		"other version": importRequest(b, b.Managed, base.Unmanaged),
	} {
		r := f.do("POST", "ImportSolution", f.admin, req).must(t, 400)
		if !strings.Contains(string(r.raw), "OtherCustomizationFile is") {
			t.Errorf("%s: %s", name, r.raw)
		}
	}
	// The archives must be the model's build: the environment would run
	// one and keep the other.
	alt := build(t, project(t, "sales", "staging.hcl", "environment \"staging\" {\n  managed = true\n}\n",
		"extra.hcl", "variable \"extra_flag\" {\n  type    = \"boolean\"\n  default = true\n}\n"))
	for name, tc := range map[string]struct {
		req  ImportRequest
		want string
	}{
		"another build's archive": {importRequest(base, b.Managed, b.Unmanaged), `CustomizationFile is not the build of the Model: 1 difference(s), the first: solution ContosoSales version is \"1.0.0.0\" in the Model, \"1.1.0.0\" in the archive`},
		"another build's other":   {importRequest(base, base.Managed, alt.Unmanaged), "OtherCustomizationFile is not the build of the Model: 1 difference(s), the first: variable extra_flag is in the archive only"},
	} {
		r := f.do("POST", "ImportSolution", f.admin, tc.req).must(t, 400)
		if !strings.Contains(string(r.raw), tc.want) {
			t.Errorf("%s: %s, want %q", name, r.raw, tc.want)
		}
	}
	if _, holding, err := c.Installed(ctx, "ContosoSales"); err != nil || holding.BuildDigest != b.Digest {
		t.Errorf("after the refused imports: holding %+v, %v", holding, err)
	}
}

func importRequest(b *deploy.Build, arch, other deploy.Archive) ImportRequest {
	enc := base64.StdEncoding.EncodeToString
	return ImportRequest{CustomizationFile: enc(arch.Data), ArchiveName: arch.Name, Model: enc(b.Model), Digest: b.Digest,
		OtherCustomizationFile: enc(other.Data), OtherArchiveName: other.Name}
}
