package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/solution"
)

// TestArchiveAndStoreAgreeOnValues: the text a build writes as a variable's
// default into its archive is the text a deploy of that build stores as the
// default, and as the value when the environment block gives the same value,
// for every type; an empty default is no default in either.
func TestArchiveAndStoreAgreeOnValues(t *testing.T) {
	pr := newProject(t)
	pr.set("more.hcl", `
variable "label" {
  type    = "string"
  default = "a < b & \"c\""
}
variable "rate" {
  type    = "number"
  default = 25000.50
}
variable "fast" {
  type    = "boolean"
  default = true
}
variable "rules" {
  type    = "json"
  default = { b = 1, a = "x<y & z", c = [true, null] }
}
variable "tiers" {
  type    = "json"
  default = "[1, 2,  3]"
}
variable "empty" {
  type     = "string"
  required = false
}
`)
	pr.edit("bpfc.hcl", `values  = { threshold = 25000 }`,
		`values  = { label = "a < b & \"c\"", rate = 25000.50, fast = true, rules = { b = 1, a = "x<y & z", c = [true, null] }, tiers = "[1, 2,  3]" }`)
	p := pr.load()
	// The compiler refuses default = ""; a model read back could still have one.
	for _, v := range p.Variables {
		if v.Name == "empty" {
			v.Default = cty.StringVal("")
		}
	}

	res, err := solution.Build(p, t.TempDir())
	must(t, err)
	unmanaged, err := os.ReadFile(res.Unmanaged)
	must(t, err)
	managed, err := os.ReadFile(res.Managed)
	must(t, err)
	zr, err := zip.NewReader(bytes.NewReader(unmanaged), int64(len(unmanaged)))
	must(t, err)
	archived := map[string]string{}
	for _, f := range zr.File {
		if path.Base(f.Name) != "environmentvariabledefinition.xml" {
			continue
		}
		rc, err := f.Open()
		must(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		doc := etree.NewDocument()
		must(t, doc.ReadFromBytes(data))
		if d := doc.FindElement("//defaultvalue"); d != nil {
			archived[doc.Root().SelectAttrValue("schemaname", "")] = d.Text()
		}
	}

	b, err := NewBuild(p, Archive{Name: filepath.Base(res.Unmanaged), Data: unmanaged}, Archive{Name: filepath.Base(res.Managed), Data: managed})
	must(t, err)
	if _, err := pr.pipeline(p).Deploy(context.Background(), "dev", b, quiet()); err != nil {
		t.Fatal(err)
	}
	defaults, values := map[string]string{}, map[string]string{}
	pr.read("dev", func(tx store.Tx) {
		defs, err := tx.VariableDefinitions()
		must(t, err)
		for _, d := range defs {
			if d.Default != nil {
				defaults[d.SchemaName] = *d.Default
			}
			if v, err := tx.VariableValue(d.SchemaName); err == nil && d.SchemaName != "cts_threshold" {
				values[d.SchemaName] = v.Value
			}
		}
	})
	want := map[string]string{
		"cts_label":     `a < b & "c"`,
		"cts_rate":      "25000.5",
		"cts_fast":      "yes",
		"cts_rules":     `{"a":"x<y & z","b":1,"c":[true,null]}`,
		"cts_tiers":     "[1, 2,  3]",
		"cts_threshold": "50000",
	}
	if diff := cmp.Diff(want, archived); diff != "" {
		t.Errorf("archive defaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(archived, defaults); diff != "" {
		t.Errorf("stored defaults differ from the archive's (-archive +stored):\n%s", diff)
	}
	delete(archived, "cts_threshold")
	if diff := cmp.Diff(archived, values); diff != "" {
		t.Errorf("stored values differ from the archive's defaults (-archive +stored):\n%s", diff)
	}
}
