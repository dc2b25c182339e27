package deploy

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestVariableBecomesSecretScrubsHistory: a refusal recorded in the
// history quotes the value it refused, here the one the environment kept
// for a string variable; once an import makes that variable a secret, the
// history no longer shows its earlier clear text (it did, in the refused
// entry), in the import's own transaction, short or shortened.
func TestVariableBecomesSecretScrubsHistory(t *testing.T) {
	for _, clear := range []string{"ftp://files.example/t0ken-123", "ftp://files.example/" + strings.Repeat("t0ken-", 20)} {
		pr := newProject(t)
		pr.set("hook.hcl", "variable \"hook\" {\n  type = \"string\"\n}\n")
		o := quiet()
		o.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_HOOK": clear}[k] }
		pr.deploy("dev", o)
		// A workflow that posts to it: the kept value is not a URL.
		post := `
workflow "tell" {
  table = "lead"
  step "post" { webhook = { url = var.hook } }
}
`
		pr.version("1.0.0.1").set("post.hcl", post)
		pr.refuse("dev", quiet(), "the value of hook that environment dev keeps (from BPFC_VAR_CTS_HOOK or BPFC_VAR_HOOK) is not valid now")
		prefix := clear[:min(len(clear), 40)]
		if !strings.Contains(pr.dump("dev"), prefix) {
			t.Fatalf("the refusal's entry does not quote the value: the test shows nothing")
		}
		pr.set("hook.hcl", "variable \"hook\" {\n  type = \"secret\"\n}\n")
		o.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_HOOK": "https://hooks.example/new"}[k] }
		pr.deploy("dev", o)
		if d := pr.dump("dev"); strings.Contains(d, prefix) {
			i := strings.Index(d, prefix)
			t.Errorf("the store still holds the value the secret had as a string:\n%s", d[max(0, i-200):min(len(d), i+200)])
		}
		h, err := pr.pipeline(pr.load()).History(context.Background(), "dev", 0)
		must(t, err)
		if len(h) != 3 || !strings.Contains(h[1].Message, "is not valid now: (secret) ") {
			t.Errorf("history = %+v", h)
		}
	}
}

// TestSecretScrubLeavesOtherVariablesMessages: a short clear text ("2")
// quoted is also what a refusal about another variable quotes ("2" is not
// a boolean); the scrub takes it only out of the lines that name the
// variable that became a secret, so the other entry stays readable and
// does not tell, by its "(secret)", what the secret's earlier value was.
// A variable named value is a word of every cause ("the value of flag"):
// it must not count as named there.
func TestSecretScrubLeavesOtherVariablesMessages(t *testing.T) {
	for _, name := range []string{"hook", "value"} {
		t.Run(name, func(t *testing.T) {
			envName := "BPFC_VAR_" + strings.ToUpper(name)
			vars := func(typ string) string {
				return "variable \"" + name + "\" {\n  type = \"" + typ + "\"\n}\nvariable \"flag\" {\n  type = \"boolean\"\n  required = false\n}\n"
			}
			pr := newProject(t)
			pr.set("hook.hcl", vars("string"))
			env := map[string]string{envName: "2"}
			o := quiet()
			o.Getenv = func(k string) string { return env[k] }
			pr.deploy("dev", o)
			env["BPFC_VAR_FLAG"] = "2"
			pr.refuse("dev", o, `the value of flag from BPFC_VAR_FLAG is not valid: "2" is not a boolean`)
			delete(env, "BPFC_VAR_FLAG")
			delete(env, envName)
			pr.version("1.0.0.1").set("post.hcl", "workflow \"tell\" {\n  table = \"lead\"\n  step \"post\" { webhook = { url = var."+name+" } }\n}\n")
			pr.refuse("dev", o, "the value of "+name+" that environment dev keeps (from BPFC_VAR_CTS_"+strings.ToUpper(name)+" or "+envName+") is not valid now")
			pr.set("hook.hcl", vars("secret"))
			env[envName] = "https://hooks.example/new"
			pr.deploy("dev", o)
			h, err := pr.pipeline(pr.load()).History(context.Background(), "dev", 0)
			must(t, err)
			if len(h) != 4 {
				t.Fatalf("history = %+v", h)
			}
			if !strings.Contains(h[2].Message, `"2" is not a boolean`) {
				t.Errorf("the refusal about flag lost its value: %q", h[2].Message)
			}
			if strings.Contains(h[1].Message, `"2"`) || !strings.Contains(h[1].Message, SecretInHistory) {
				t.Errorf("the refusal about %s still quotes its clear text: %q", name, h[1].Message)
			}
		})
	}
}

// TestHistoryQuotesOnlyTheNamedVariablesValue: the scrub takes a secret's
// earlier clear text out of the lines that name it ("the value of hook"),
// which holds only if no message quotes one variable's value in a line
// about another. None does: every cause that quotes a value (a value from
// the process, from a settings file, one the environment keeps) quotes the
// value of the variable it names, one cause a line, and the messages that
// name two variables (shadowNote, a settings file's unknown name) quote no
// value. Here one refusal has a cause of each kind, every value distinct;
// each value is found only in its variable's line, and once hook is a
// secret the other lines read as before.
func TestHistoryQuotesOnlyTheNamedVariablesValue(t *testing.T) {
	vars := func(hookType string) string {
		return "variable \"hook\" {\n  type = \"" + hookType + "\"\n}\n" +
			"variable \"flag\" {\n  type = \"boolean\"\n  required = false\n}\n" +
			"variable \"n\" {\n  type = \"number\"\n  required = false\n}\n"
	}
	values := map[string]string{"hook": "ftp://files.example/h00k", "flag": "maybe", "n": "many"}
	pr := newProject(t)
	pr.set("vars.hcl", vars("string"))
	env := map[string]string{"BPFC_VAR_HOOK": values["hook"]}
	o := quiet()
	o.Getenv = func(k string) string { return env[k] }
	pr.deploy("dev", o)

	delete(env, "BPFC_VAR_HOOK")
	env["BPFC_VAR_FLAG"] = values["flag"]
	o.Settings = map[string]string{"cts_n": values["n"]}
	o.SettingsAt = map[string]string{"cts_n": "settings.json:3:5"}
	pr.version("1.0.0.1").set("post.hcl", "workflow \"tell\" {\n  table = \"lead\"\n  step \"post\" { webhook = { url = var.hook } }\n}\n")
	pr.refuse("dev", o, "the value of hook that environment dev keeps", `the value of flag from BPFC_VAR_FLAG is not valid: "maybe"`,
		`settings.json:3:5: the value of n from the settings file is not valid: "many"`)
	before := historyMessages(t, pr)
	// The detail is a sentence: its full stop does not stand before the
	// advice that follows it.
	if strings.Contains(before[1], ".; give a new one") {
		t.Errorf("the kept value's cause: %q", before[1])
	}
	for name, val := range values {
		quoted, named := strconv.Quote(val), nameWord(name)
		found := false
		for _, line := range strings.Split(before[1], "\n") {
			if !strings.Contains(line, quoted) {
				continue
			}
			found = true
			if !named.MatchString(line) {
				t.Errorf("the value of %s, %s, is quoted in a line about another variable: %q", name, quoted, line)
			}
		}
		if !found {
			t.Errorf("the refusal does not quote the value of %s, %s: the test shows nothing:\n%s", name, quoted, before[1])
		}
	}

	delete(env, "BPFC_VAR_FLAG")
	o.Settings, o.SettingsAt = nil, nil
	env["BPFC_VAR_HOOK"] = "https://hooks.example/new"
	pr.set("vars.hcl", vars("secret"))
	pr.deploy("dev", o)
	after := historyMessages(t, pr)
	was, is := strings.Split(before[1], "\n"), strings.Split(after[1], "\n")
	if len(was) != len(is) {
		t.Fatalf("the refusal's lines changed in number:\n%s\nnow\n%s", before[1], after[1])
	}
	for i := range was {
		switch {
		case nameWord("hook").MatchString(was[i]):
			if strings.Contains(is[i], values["hook"]) || is[i] != strings.ReplaceAll(was[i], strconv.Quote(values["hook"]), SecretInHistory) {
				t.Errorf("hook's line: %q, was %q", is[i], was[i])
			}
		case is[i] != was[i]:
			t.Errorf("a line about another variable changed: %q, was %q", is[i], was[i])
		}
	}
}

// historyMessages are the messages of the dev environment's history,
// oldest first.
func historyMessages(t *testing.T, pr *project) []string {
	t.Helper()
	h, err := pr.pipeline(pr.load()).History(context.Background(), "dev", 0)
	must(t, err)
	var out []string
	for i := len(h) - 1; i >= 0; i-- {
		out = append(out, h[i].Message)
	}
	return out
}

// TestSecretScrubOnlyWhereTheValueIsQuoted: a cause that quotes hook's
// value may quote the same text as a constant on its line, here the step
// that posts to it ("post" is not an http or https URL, and step "post" of
// workflow "tell" …). Once hook is a secret, the value's quote is replaced
// and the step's stays: "step (secret)" would both garble the line and
// tell what the value had been.
func TestSecretScrubOnlyWhereTheValueIsQuoted(t *testing.T) {
	pr := newProject(t)
	pr.set("hook.hcl", "variable \"hook\" {\n  type = \"string\"\n}\n")
	env := map[string]string{"BPFC_VAR_HOOK": "post"}
	o := quiet()
	o.Getenv = func(k string) string { return env[k] }
	pr.deploy("dev", o)
	delete(env, "BPFC_VAR_HOOK")
	pr.version("1.0.0.1").set("post.hcl", "workflow \"tell\" {\n  table = \"lead\"\n  step \"post\" { webhook = { url = var.hook } }\n}\n")
	pr.refuse("dev", o, `is not valid now: "post" is not an http or https URL, and step "post" of workflow "tell" posts to it; give a new one`)
	before := historyMessages(t, pr)
	pr.set("hook.hcl", "variable \"hook\" {\n  type = \"secret\"\n}\n")
	env["BPFC_VAR_HOOK"] = "https://hooks.example/new"
	pr.deploy("dev", o)
	after := historyMessages(t, pr)
	want := strings.Replace(before[1], `is not valid now: "post" is not`, "is not valid now: "+SecretInHistory+" is not", 1)
	if want == before[1] || after[1] != want {
		t.Errorf("the refusal after hook became a secret:\n%s\nwant\n%s", after[1], want)
	}
}

// TestScrubLine: the value's quote in a cause is replaced where the detail
// quotes it, whatever else the line quotes of the same text: not in the
// advice after it (an environment named like the value), not where the
// detail quotes no value at all, and a shortened value with its length.
func TestScrubLine(t *testing.T) {
	long := strings.Repeat("ftp-", 30)
	for _, tc := range []struct{ value, line, want string }{
		{"post",
			`the value of hook from BPFC_VAR_HOOK is not valid: "post" is not an http or https URL, and step "post" of workflow "tell" posts to it.`,
			`the value of hook from BPFC_VAR_HOOK is not valid: (secret) is not an http or https URL, and step "post" of workflow "tell" posts to it.`},
		{"dev",
			`the current value of hook that the archive ships is not valid: not valid JSON; give one in environment "dev" values, a --settings file or BPFC_VAR_HOOK`,
			`the current value of hook that the archive ships is not valid: not valid JSON; give one in environment "dev" values, a --settings file or BPFC_VAR_HOOK`},
		{"Hott",
			`the value of pick from BPFC_VAR_PICK is not valid: lead.fx_heat has no option "Hott"; its options are "Hot", "Cold" (step "Hott" of workflow "w" writes it into lead.fx_heat).`,
			`the value of pick from BPFC_VAR_PICK is not valid: lead.fx_heat has no option (secret); its options are "Hot", "Cold" (step "Hott" of workflow "w" writes it into lead.fx_heat).`},
		{long,
			`the value of hook that environment dev keeps (from BPFC_VAR_HOOK) is not valid now: ` + compiler.Shorten(long) + ` is not an http or https URL; give a new one in BPFC_VAR_HOOK`,
			`the value of hook that environment dev keeps (from BPFC_VAR_HOOK) is not valid now: (secret) is not an http or https URL; give a new one in BPFC_VAR_HOOK`},
		// An email step quotes the first bad address alone, not the list.
		{"a@b.example, nope",
			`the value of desk from BPFC_VAR_DESK is not valid: "nope" is not an email address, and step "nope" of workflow "w" sends to it.`,
			`the value of desk from BPFC_VAR_DESK is not valid: (secret) is not an email address, and step "nope" of workflow "w" sends to it.`},
		{"a@b.example;" + long,
			`the value of desk from BPFC_VAR_DESK is not valid: ` + compiler.Shorten(long) + ` is not an email address, and step "m" of workflow "w" sends to it.`,
			`the value of desk from BPFC_VAR_DESK is not valid: (secret) is not an email address, and step "m" of workflow "w" sends to it.`},
		// A number is shown bare, by the column checks; not in another
		// number that starts with it, nor in the options' values.
		{"7.5",
			`the value of n that environment dev keeps (from BPFC_VAR_N) is not valid now: lead.numberofemployees is a whole number column and cannot take the number 7.5 (step "u" of workflow "w" writes it into lead.numberofemployees); give a new one`,
			`the value of n that environment dev keeps (from BPFC_VAR_N) is not valid now: lead.numberofemployees is a whole number column and cannot take the number (secret) (step "u" of workflow "w" writes it into lead.numberofemployees); give a new one`},
		{"2147483648",
			`the value of n from BPFC_VAR_N is not valid: lead.numberofemployees cannot hold the number 2147483648: it is outside -2147483648 to 2147483647 (step "u" of workflow "w" writes it into lead.numberofemployees).`,
			`the value of n from BPFC_VAR_N is not valid: lead.numberofemployees cannot hold the number (secret): it is outside -2147483648 to 2147483647 (step "u" of workflow "w" writes it into lead.numberofemployees).`},
		{"99",
			`the value of n from BPFC_VAR_N is not valid: lead.prio has no option with the value 99; its options are 1, 99 (…).`,
			`the value of n from BPFC_VAR_N is not valid: lead.prio has no option with the value (secret); its options are 1, 99 (…).`},
		{"7",
			`the value of n from BPFC_VAR_N is not valid: lead.numberofemployees cannot take the number 7.5.`,
			`the value of n from BPFC_VAR_N is not valid: lead.numberofemployees cannot take the number 7.5.`},
		{"7",
			`the value of n from BPFC_VAR_N is not valid: lead.numberofemployees cannot hold the number 7.`,
			`the value of n from BPFC_VAR_N is not valid: lead.numberofemployees cannot hold the number (secret).`},
		// Where the whole value is quoted after a constant equal to one of
		// its parts (the lookup's example id), the whole is replaced.
		{"x, 3b7fbd35-5adc-516c-9dc0-1e40c9927088",
			`the value of ref from BPFC_VAR_REF is not valid: lead.parentaccountid is a lookup: it holds a row's id, such as "3b7fbd35-5adc-516c-9dc0-1e40c9927088"; "x, 3b7fbd35-5adc-516c-9dc0-1e40c9927088" is not one.`,
			`the value of ref from BPFC_VAR_REF is not valid: lead.parentaccountid is a lookup: it holds a row's id, such as "3b7fbd35-5adc-516c-9dc0-1e40c9927088"; (secret) is not one.`},
		// A JSON value's cause shows none of it.
		{`{"k": 1}`,
			`the value of cfg that environment dev keeps (from BPFC_VAR_CFG) is not valid for its type now: not valid JSON; give a new one`,
			`the value of cfg that environment dev keeps (from BPFC_VAR_CFG) is not valid for its type now: not valid JSON; give a new one`},
	} {
		name := regexp.MustCompile(`value of [a-z]+`).FindStringIndex(tc.line)
		if got := scrubLine(tc.line, name[1], formsOf(tc.value)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.value, got, tc.want)
		}
	}
}

// TestSecretScrubPartsAndBareNumbers: causes that show a value other than
// quoted whole are scrubbed too once the variable is a secret: an email
// step's cause quotes only the bad address of the list ("nope" of
// "a@b.example, nope"), a column's cause shows a number bare ("cannot
// take the number 7.5"). The rest of each line reads as before.
func TestSecretScrubPartsAndBareNumbers(t *testing.T) {
	vars := func(deskType, nType string) string {
		return "variable \"desk\" {\n  type = \"" + deskType + "\"\n}\n" +
			"variable \"n\" {\n  type = \"" + nType + "\"\n}\n"
	}
	pr := newProject(t)
	pr.set("vars.hcl", vars("string", "number"))
	env := map[string]string{"BPFC_VAR_DESK": "a@b.example, nope", "BPFC_VAR_N": "7.5"}
	o := quiet()
	o.Getenv = func(k string) string { return env[k] }
	pr.deploy("dev", o)
	delete(env, "BPFC_VAR_DESK")
	delete(env, "BPFC_VAR_N")
	pr.version("1.0.0.1").set("uses.hcl", `
workflow "w" {
  table = "lead"
  step "mail" { send_email = { to = var.desk, subject = "x" } }
  step "count" { update = { numberofemployees = var.n } }
}
`)
	pr.refuse("dev", o, `the value of desk that environment dev keeps (from BPFC_VAR_CTS_DESK or BPFC_VAR_DESK) is not valid now: "nope" is not an email address`,
		"the value of n that environment dev keeps (from BPFC_VAR_CTS_N or BPFC_VAR_N) is not valid now: lead.numberofemployees is a whole number column and cannot take the number 7.5")
	before := historyMessages(t, pr)

	pr.set("uses.hcl", "")
	pr.set("vars.hcl", vars("secret", "secret"))
	env["BPFC_VAR_DESK"], env["BPFC_VAR_N"] = "desk@b.example", "8"
	pr.deploy("dev", o)
	after := historyMessages(t, pr)
	want := strings.Replace(before[1], `is not valid now: "nope" is not`, "is not valid now: "+SecretInHistory+" is not", 1)
	want = strings.Replace(want, "cannot take the number 7.5", "cannot take the number "+SecretInHistory, 1)
	if want == before[1] || after[1] != want {
		t.Errorf("the refusal after desk and n became secrets:\n%s\nwant\n%s", after[1], want)
	}
	// 7.5 as a number of its own: the dump's times and hex hold the
	// digits inside others (19:50:57.552, …7e5…).
	if d := pr.dump("dev"); strings.Contains(d, "nope") || regexp.MustCompile(`(^|[^0-9.])7\.5($|[^0-9])`).MatchString(d) {
		t.Errorf("the store still shows a value the secrets had in clear text")
	}
}
