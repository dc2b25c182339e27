package compiler_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestPastedSuggestionsValidate: the text a new user's mistake is told to
// write (a version, a step's column, a first stage), pasted where the
// diagnostic points, makes a project that validates.
func TestPastedSuggestionsValidate(t *testing.T) {
	const flow = "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {}\n}\n"
	solution := func(version string) string {
		return "solution \"Fixture\" {\n  version = " + version + "\n  publisher \"fixture\" { prefix = \"fx\" }\n}\n"
	}
	for _, tc := range []struct {
		name, src string
		suggest   *regexp.Regexp // the text to paste, in the detail
		at        string         // what it replaces in src; a body ({…}) or the end of a flow ("lead"\n}) takes it inside
	}{
		{"version with a v", solution(`"v1.2"`) + flow, regexp.MustCompile(`write (version = "[^"]*")`), `version = "v1.2"`},
		{"version of three parts", solution(`"1.2.3"`) + flow, regexp.MustCompile(`write (version = "[^"]*")`), `version = "1.2.3"`},
		{"version of five parts", solution(`"1.2.3.4.5"`) + flow, regexp.MustCompile(`write (version = "[^"]*")`), `version = "1.2.3.4.5"`},
		{"version with a signed part", solution(`"1.-0"`) + flow, regexp.MustCompile(`write (version = "[^"]*")`), `version = "1.-0"`},
		{"version as a number", solution(`1.2`) + flow, regexp.MustCompile(`write (version = "[^"]*")`), `version = 1.2`},
		{"step named after its column", solution(`"1.0.0.0"`) + "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    step \"budgetamount\" {}\n  }\n}\n",
			regexp.MustCompile(`e\.g\. (column = "[^"]*")`), "{}"},
		{"step named after nothing", solution(`"1.0.0.0"`) + "flow \"f\" {\n  primary_table = \"contact\"\n  stage \"a\" {\n    step \"x\" { required = true }\n  }\n}\n",
			regexp.MustCompile(`e\.g\. (column = "[^"]*")`), "{ required = true }"},
		{"step on a custom table", solution(`"1.0.0.0"`) + "table \"fx_thing\" {\n  primary_column = \"fx_name\"\n  column \"fx_name\" { type = \"string\" }\n}\n" +
			"flow \"f\" {\n  primary_table = \"fx_thing\"\n  stage \"a\" {\n    step \"x\" {}\n  }\n}\n",
			regexp.MustCompile(`e\.g\. (column = "[^"]*")`), "{}"},
		{"flow without stages", solution(`"1.0.0.0"`) + "flow \"f\" {\n  primary_table = \"lead\"\n}\n",
			regexp.MustCompile(`e\.g\. (stage "[^"]*" \{\})`), "\"lead\"\n}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(tc.src)})
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			m := tc.suggest.FindStringSubmatch(diags[0].Detail)
			if m == nil {
				t.Fatalf("no suggestion in %q", diags[0].Detail)
			}
			var fixed string
			switch {
			case strings.HasPrefix(tc.at, "{"):
				fixed = strings.Replace(tc.src, tc.at, "{\n      "+m[1]+"\n"+strings.TrimSpace(strings.Trim(tc.at, "{}"))+"\n    }", 1)
			case strings.HasSuffix(tc.at, "\n}"):
				fixed = strings.Replace(tc.src, tc.at, strings.TrimSuffix(tc.at, "}")+"  "+m[1]+"\n}", 1)
			default:
				fixed = strings.Replace(tc.src, tc.at, m[1], 1)
			}
			if _, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(fixed)}); len(diags) != 0 {
				t.Errorf("pasted %q:\n%s\n%v", m[1], fixed, diags)
			}
		})
	}
}
