package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestQuotedLiteralInCondition: a number or yes/no value written in quotes
// in a condition (as it is typed into Dataverse's condition editor) is told
// to be written without them.
func TestQuotedLiteralInCondition(t *testing.T) {
	for _, tc := range []struct{ name, when, want string }{
		{"number", `self.budgetamount > "1000"`,
			`Cannot compare lead.budgetamount (money column) with the string "1000" (string). Write the number without quotes: 1000.`},
		{"number on the left", `"12.5" <= self.budgetamount`,
			`Cannot compare the string "12.5" (string) with lead.budgetamount (money column). Write the number without quotes: 12.5.`},
		{"yes/no", `self.decisionmaker == "true"`,
			`Cannot compare lead.decisionmaker (boolean column) with the string "true" (string). Write true without quotes.`},
		{"yes/no label", `self.decisionmaker == "yes"`,
			`Cannot compare lead.decisionmaker (boolean column) with the string "yes" (string). A yes/no value is true or false, without quotes: write true for "yes".`},
		{"yes/no label capitalised", `"No" != self.decisionmaker`,
			`Cannot compare the string "No" (string) with lead.decisionmaker (boolean column). A yes/no value is true or false, without quotes: write false for "No".`},
		{"text that is no number", `self.budgetamount > "lots"`,
			`Cannot compare lead.budgetamount (money column) with the string "lots" (string).`},
		{"a negative number", `self.budgetamount > "-1.5e3"`,
			`Cannot compare lead.budgetamount (money column) with the string "-1.5e3" (string). Write the number without quotes: -1.5e3.`},
		// Go reads these as numbers; written bare in HCL, inf is a name
		// and +5 a syntax error, so there is nothing to tell.
		{"infinity", `self.budgetamount > "inf"`,
			`Cannot compare lead.budgetamount (money column) with the string "inf" (string).`},
		{"a plus sign", `self.budgetamount > "+5"`,
			`Cannot compare lead.budgetamount (money column) with the string "+5" (string).`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    branch {\n      when = " + tc.when + "\n      next = stage.c\n    }\n  }\n  stage \"b\" {}\n  stage \"c\" {}\n}\n"
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
			var details []string
			for _, d := range diags {
				if d.Detail == tc.want {
					return
				}
				details = append(details, d.Summary+": "+d.Detail)
			}
			t.Errorf("no diagnostic says %q; got %q", tc.want, details)
		})
	}
}
