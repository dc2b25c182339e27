package unpack

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestOptionLabelsOnOneLine: an archive whose option labels hold a tab or a
// line break (a hand-edited one; the compiler refuses such a label) unpacks
// to a project that validates: each label written on one line, with a
// warning, a label met twice so made unique by its value.
func TestOptionLabelsOnOneLine(t *testing.T) {
	p, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(`solution "Labels" {
  version = "1.0.0.0"
  publisher "fixture" {
    prefix = "fx"
  }
}
table "fx_thing" {
  primary_column = "fx_name"
  column "fx_name" {
    type = "string"
  }
  column "fx_stage" {
    type    = "choice"
    options = { "In progress" = 1, Firstlabel = 2, Secondlabel = 3 }
  }
}
`)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res := buildProject(t, p)
	files := map[string][]byte{}
	err := filepath.WalkDir(res.TreeDir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(res.TreeDir, path)
		b = bytes.ReplaceAll(b, []byte(`"Firstlabel"`), []byte(`"In&#9;progress"`))
		files[filepath.ToSlash(rel)] = bytes.ReplaceAll(b, []byte(`"Secondlabel"`), []byte(`"Done&#10;"`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	q, warns := mustRead(t, writeTree(t, files))
	loaded, _ := writeAndLoad(t, q)
	var got []string
	for _, o := range loaded.Table("fx_thing").Column("fx_stage").Options {
		got = append(got, o.Label)
	}
	if want := "In progress|In progress (2)|Done"; strings.Join(got, "|") != want {
		t.Errorf("labels %q, want %q", got, want)
	}
	n := 0
	for _, w := range warns {
		if strings.Contains(w.Message, "line breaks or other control characters") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d warnings for labels written on one line, want 2: %v", n, warns)
	}
}
