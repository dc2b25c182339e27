package odata

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseFilter(t *testing.T) {
	date := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	cases := map[string]Expr{
		"name eq 'Contoso'":                               Compare{"eq", Column{"name"}, Literal{"Contoso"}},
		"name eq 'O''Brien'":                              Compare{"eq", Column{"name"}, Literal{"O'Brien"}},
		"revenue gt 1000.5":                               Compare{"gt", Column{"revenue"}, Literal{1000.5}},
		"revenue ge -3":                                   Compare{"ge", Column{"revenue"}, Literal{-3.0}},
		"revenue lt 10 and x le 2":                        Logical{"and", Compare{"lt", Column{"revenue"}, Literal{10.0}}, Compare{"le", Column{"x"}, Literal{2.0}}},
		"a ne null or b eq true":                          Logical{"or", Compare{"ne", Column{"a"}, Literal{nil}}, Compare{"eq", Column{"b"}, Literal{true}}},
		"not (a eq false)":                                Not{Compare{"eq", Column{"a"}, Literal{false}}},
		"createdon ge 2026-01-31":                         Compare{"ge", Column{"createdon"}, Literal{Date{date}}},
		"createdon lt 2026-01-31T00:00:00Z":               Compare{"lt", Column{"createdon"}, Literal{date}},
		"createdon lt 2026-01-31T00:00Z":                  Compare{"lt", Column{"createdon"}, Literal{date}},
		"createdon lt 2026-01-31T02:00+02:00":             Compare{"lt", Column{"createdon"}, Literal{date}},
		"contains(name,'tos')":                            Func{"contains", "name", Literal{"tos"}},
		"startswith(name, 'Con') and endswith(name,'so')": Logical{"and", Func{"startswith", "name", Literal{"Con"}}, Func{"endswith", "name", Literal{"so"}}},
		// and binds tighter than or; parentheses override.
		"a eq 1 or b eq 2 and c eq 3":   Logical{"or", Compare{"eq", Column{"a"}, Literal{1.0}}, Logical{"and", Compare{"eq", Column{"b"}, Literal{2.0}}, Compare{"eq", Column{"c"}, Literal{3.0}}}},
		"(a eq 1 or b eq 2) and c eq 3": Logical{"and", Logical{"or", Compare{"eq", Column{"a"}, Literal{1.0}}, Compare{"eq", Column{"b"}, Literal{2.0}}}, Compare{"eq", Column{"c"}, Literal{3.0}}},
		"_parentaccountid_value eq 5":   Compare{"eq", Column{"_parentaccountid_value"}, Literal{5.0}},
		// GUIDs unquoted, as Dataverse writes ids (lower-cased), or quoted as text.
		"accountid eq 5F3E0A1B-1234-4cde-8F00-0123456789AB":   Compare{"eq", Column{"accountid"}, Literal{GUID("5f3e0a1b-1234-4cde-8f00-0123456789ab")}},
		"accountid eq '5f3e0a1b-1234-4cde-8f00-0123456789ab'": Compare{"eq", Column{"accountid"}, Literal{"5f3e0a1b-1234-4cde-8f00-0123456789ab"}},
		"_parentaccountid_value ne 00000000-0000-0000-0000-000000000000 and a eq 1": Logical{"and",
			Compare{"ne", Column{"_parentaccountid_value"}, Literal{GUID("00000000-0000-0000-0000-000000000000")}}, Compare{"eq", Column{"a"}, Literal{1.0}}},
		"(accountid eq deadbeef-dead-beef-dead-beefdeadbeef)": Compare{"eq", Column{"accountid"}, Literal{GUID("deadbeef-dead-beef-dead-beefdeadbeef")}},
		"deadbeef-dead-beef-dead-beefdeadbeef eq accountid":   Compare{"eq", Literal{GUID("deadbeef-dead-beef-dead-beefdeadbeef")}, Column{"accountid"}},
		// Enum values with their qualified type, as Dataverse's metadata takes them.
		"AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'": Compare{"eq", Column{"AttributeType"},
			Literal{Enum{"Microsoft.Dynamics.CRM.AttributeTypeCode", "Picklist"}}},
		"(AttributeType ne Microsoft.Dynamics.CRM.AttributeTypeCode'String')": Compare{"ne", Column{"AttributeType"},
			Literal{Enum{"Microsoft.Dynamics.CRM.AttributeTypeCode", "String"}}},
		// Dataverse's query functions, their values text whatever the column.
		"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['A','O''B'])":       QueryFunc{"In", "name", []string{"A", "O'B"}},
		"not Microsoft.Dynamics.CRM.NotIn(PropertyValues=['1'], PropertyName='statecode')": Not{QueryFunc{"NotIn", "statecode", []string{"1"}}},
		"Microsoft.Dynamics.CRM.Null(PropertyName='revenue') or a eq 1":                    Logical{"or", QueryFunc{"Null", "revenue", nil}, Compare{"eq", Column{"a"}, Literal{1.0}}},
		"(microsoft.dynamics.crm.NotNull(PropertyName='revenue'))":                         QueryFunc{"NotNull", "revenue", nil},
		"mscrm.In(PropertyName='name',PropertyValues=['A'])":                               QueryFunc{"In", "name", []string{"A"}}, // the alias $metadata declares
	}
	for src, want := range cases {
		got, err := ParseFilter(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", src, diff)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	for src, want := range map[string]string{
		"name eq":              "at position 8: unexpected end",
		"name equals 'x'":      "at position 6: expected a comparison operator",
		"tolower(name) eq 'x'": "tolower() is not a function $filter has; it calls contains, startswith, endswith",
		"name in ('a','b')":    "at position 6: the in operator is not supported; use Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b']), as Dataverse's clients do, or join eq comparisons with or",
		"statecode in (0, 1)":  "Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['0','1'])",
		"name in ('O''B')":     "PropertyValues=['O''B'])",
		"name in (x)":          "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['…'])",
		"name in ('a'":         "PropertyValues=['…']",
		"(a eq 1":              "expected ')'",
		"name == 'a'":          "at position 6: expected a comparison operator (eq, ne, gt, ge, lt, le): OData writes == as eq",
		"a != 1":               "OData writes != as ne",
		"a <> 1":               "OData writes <> as ne",
		"a >= 1":               "OData writes >= as ge",
		"a = 1":                "OData writes = as eq",
		"a eq 1 && b eq 2":     "at position 8: unexpected \"&\"; expected and, or or the end: OData writes && as and",
		"(a eq 1 || b eq 2)":   "expected ')': OData writes || as or",
		"!contains(a,'x')":     "OData writes ! as not",
		`name eq "O'Brien"`:    `at position 9: text is written in single quotes, 'O''Brien', not double quotes`,
		`name eq "Smith`:       "text is written in single quotes, 'like this', not double quotes",
		"name eq 'Smith":       "at position 9: the text 'Smith has no closing quote: end it with '",
		"name eq 'it''s":       "the text 'it''s has no closing quote",
		"a eq 'open":           "has no closing quote",
		"a eq 1 b eq 2":        "expected and, or or the end",
		"contains(name 'x')":   "expected ','",
		"a eq 2026-13-45":      "invalid date",
		"a eq 2026-01-31T10Z":  "invalid date",
		// A time without its zone: the literal to write, for the column.
		"createdon eq 2026-05-04T10:00:00":      "invalid date 2026-05-04T10:00:00 for createdon: a time needs its zone, such as 2026-05-04T10:00:00Z (UTC) or 2026-05-04T10:00:00+02:00",
		"contains(createdon, 2026-05-04T10:00)": "invalid date 2026-05-04T10:00 for createdon: a time needs its zone, such as 2026-05-04T10:00Z",
		"":                                      "unexpected end",
		// Not GUIDs: a digit too many, a non-hex digit, a name glued on.
		"a eq 5f3e0a1b-1234-4cde-8f00-0123456789abc":         "unexpected",
		"a eq 5f3e0a1g-1234-4cde-8f00-0123456789ab":          "unexpected",
		"a eq 12345678-1234-1234-1234-123456789012x":         "invalid number",
		"a eq Microsoft.Dynamics.CRM.AttributeTypeCode'Pick": "unexpected",
		// Query functions: the ones bpfc has, their parameters as Dataverse names them.
		"Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=3)": "Microsoft.Dynamics.CRM.LastXDays is not a query function bpfc has; it has Microsoft.Dynamics.CRM.In, Microsoft.Dynamics.CRM.NotIn",
		"Microsoft.Dynamics.CRM.In(PropertyName='name')":                             "Microsoft.Dynamics.CRM.In needs PropertyName and PropertyValues",
		"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=[])":           "PropertyValues is empty",
		"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=[1,2])":        "PropertyValues's values are written in quotes",
		"Microsoft.Dynamics.CRM.In(PropertyName=name,PropertyValues=['a'])":          "PropertyName is a property's name in quotes",
		"Microsoft.Dynamics.CRM.In(PropertyName='a',PropertyName='b')":               "PropertyName is given twice",
		"Microsoft.Dynamics.CRM.Null(PropertyName='a',PropertyValues=['b'])":         `Microsoft.Dynamics.CRM.Null takes PropertyName, not "PropertyValues"`,
		"Microsoft.Dynamics.CRM.In(PropertyName='a' PropertyValues=['b'])":           "expected ',' or ')'",
	} {
		_, err := ParseFilter(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", src, err, want)
		}
	}
}

func TestParseQueryOptions(t *testing.T) {
	o, err := ParseOrderBy("name desc, createdon")
	if err != nil || len(o) != 2 || !o[0].Desc || o[1].Desc || o[1].Column != "createdon" {
		t.Errorf("orderby: %v %v", o, err)
	}
	if _, err := ParseOrderBy("name sideways"); err == nil {
		t.Error("bad direction accepted")
	}
	s, err := ParseSelect("name, revenue")
	if err != nil || len(s) != 2 || s[1] != "revenue" {
		t.Errorf("select: %v %v", s, err)
	}
	if _, err := ParseSelect("name;drop"); err == nil {
		t.Error("bad select accepted")
	}
	if n, err := ParseTop("5"); n != 5 || err != nil {
		t.Errorf("top: %d %v", n, err)
	}
	if n, err := ParseTop("0"); n != 0 || err != nil {
		t.Errorf("$top=0: %d %v", n, err)
	}
	for _, s := range []string{"-1", "x", "1.5"} {
		if _, err := ParseTop(s); err == nil {
			t.Errorf("$top=%s accepted", s)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"name eq 'x'", "not (a eq 1) or contains(b,'c')", "x ge 2026-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseFilter(s)
	})
}
