package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClaimsScenario takes examples/claims (custom tables, a cross-table
// settle stage, a draft task flow, read-only and no-create roles) through
// the run-time rules on real SQLite files.
func TestClaimsScenario(t *testing.T) {
	p := release(t, "claims")
	dev := open(t, p, "dev")
	prod := open(t, p, "prod")
	admin := dev.admin()
	ctx := dev.ctx
	for name, roles := range map[string][]string{
		"hank": {"claims_handler"}, "adam": {"claims_adjuster"}, "audrey": {"claims_auditor"}, "uma": {"underwriter"},
	} {
		if _, err := admin.AddUser(ctx, NewUser{Name: name, Roles: roles, Email: name + "@northwind.example"}); err != nil {
			t.Fatal(err)
		}
	}
	// newClaim creates a policy and a claim of amount on it in v, as user
	// (who owns all three: the claim's lookups need append_to on the
	// account and the policy, which the basic level gives on the user's own
	// rows).
	newClaim := func(v *env, user, amount string) (*Created, string) {
		holder := v.create(v.as(user), "account", Values{"name": "Holder Ltd"}, StartOptions{})
		policy := v.create(v.as(user), "nwi_policy", Values{"nwi_name": "POL-1", "nwi_holderid": holder.ID, "nwi_product": "Motor",
			"nwi_premium": "420.50", "nwi_startdate": "2026-01-01"}, StartOptions{NoFlow: true})
		claim := v.create(v.as(user), "nwi_claim", Values{"nwi_name": "CLM-1", "nwi_claimantid": holder.ID, "nwi_policyid": policy.ID,
			"nwi_claimtype": "Vehicle", "nwi_lossdate": "2026-04-30", "nwi_claimedamount": amount}, StartOptions{})
		return claim, policy.ID
	}

	t.Run("CustomTableValues", func(t *testing.T) {
		dev := dev.with(t)
		holder := dev.create(admin, "contact", Values{"lastname": "Holder"}, StartOptions{})
		for _, tc := range []struct {
			vals Values
			msg  string
		}{
			{Values{"nwi_product": "Boat"}, `nwi_policy.nwi_product is a choice column: "Boat" is not one of its options: Motor (1), Home (2), Travel (3)`},
			{Values{"nwi_holderid": "nope"}, `nwi_policy.nwi_holderid is a customer column: "nope" is not the id of a row of account or contact`},
			{Values{"nwi_name": strings.Repeat("9", 41)}, `nwi_policy.nwi_name is a string column: "` + strings.Repeat("9", 41) + `" is longer than 40 characters`},
			{Values{"nwi_claimfreeyears": "three"}, `nwi_policy.nwi_claimfreeyears is an integer column: "three" is not a whole number`},
			{Values{"nwi_claimfreeyears": "3000000000"}, `"3000000000" is outside a whole number's range`},
			{Values{"nwi_renewalaccepted": "perhaps"}, `nwi_policy.nwi_renewalaccepted is a boolean column: "perhaps" is not yes or no`},
			{Values{"nwi_holderemail": "holder at example"}, `is not an email address`},
		} {
			err := dev.unchanged("a bad policy", func() error {
				_, err := admin.CreateRecord(ctx, "nwi_policy", tc.vals, StartOptions{})
				return err
			})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("policy %v: %v, want %q", tc.vals, err, tc.msg)
			}
		}
		pol := dev.create(admin, "nwi_policy", Values{"nwi_name": "POL-9", "nwi_holderid": holder.ID, "nwi_product": "2",
			"nwi_renewalaccepted": "false"}, StartOptions{NoFlow: true})
		r, err := admin.Record(ctx, "nwi_policy", pol.ID)
		if err != nil || r.Values["nwi_product"] != int64(2) || r.Values["nwi_renewalaccepted"] != false || r.Values["nwi_holderid"] != holder.ID ||
			r.Values["statecode"] != int64(0) || r.Values["statuscode"] != int64(1) || r.Values["nwi_policyid"] != pol.ID {
			t.Errorf("policy = %v, %v", r, err)
		}
	})

	t.Run("DefaultFlowSkipsDraftTaskFlows", func(t *testing.T) {
		dev := dev.with(t)
		claim, _ := newClaim(dev, "hank", "500")
		if claim.Instance == nil || claim.Instance.Flow != "claims_intake" {
			t.Fatalf("claim started %+v, want claims_intake", claim.Instance)
		}
		refused(t, dev.unchanged("start the draft task flow", func() error {
			_, err := admin.Start(ctx, "claims_site_inspection", "nwi_claim", claim.ID)
			return err
		}), RuleFlowInactive, "cannot start flow claims_site_inspection: the flow is not active in dev (a draft)")
		pol := dev.create(dev.as("uma"), "nwi_policy", Values{"nwi_name": "POL-2", "nwi_holderid": dev.create(dev.as("uma"), "account",
			Values{"name": "H"}, StartOptions{}).ID}, StartOptions{})
		if pol.Instance == nil || pol.Instance.Flow != "claims_policy_renewal" {
			t.Errorf("the underwriter's policy started %+v", pol.Instance)
		}
		// The adjuster may move claims but not start them: a claim they
		// create starts no flow.
		adj := dev.create(dev.as("adam"), "nwi_claim", Values{"nwi_name": "CLM-A"}, StartOptions{})
		if adj.Instance != nil {
			t.Errorf("the adjuster started %s", adj.Instance.Flow)
		}
	})

	t.Run("BranchesCrossTableAndFinish", func(t *testing.T) {
		dev := dev.with(t)
		prod := prod.with(t)
		// 3,000 is above dev's auto-approval limit (1,000) and below prod's
		// (the default, 5,000): the same claim takes another path.
		devClaim, _ := newClaim(dev, "hank", "3000")
		prodClaim, _ := newClaim(prod, "admin", "3000")
		for _, c := range []struct {
			v    *env
			id   string
			want []string
		}{
			{dev, devClaim.Instance.ID, []string{"report", "assess", "review", "settle"}},
			{prod, prodClaim.Instance.ID, []string{"report", "assess", "settle"}},
		} {
			in := c.v.must(c.v.admin().Next(c.v.ctx, c.id, MoveOptions{}))
			if in.ActiveStage != "assess" {
				t.Fatalf("after report: %s", in.ActiveStage)
			}
			if got := c.v.show(c.id).ActivePath; !slices.Equal(got, c.want) {
				t.Errorf("active path %v, want %v", got, c.want)
			}
		}

		id := devClaim.Instance.ID
		hank, adam, audrey := dev.as("hank"), dev.as("adam"), dev.as("audrey")
		refused(t, dev.unchanged("next with the assessment empty", func() error {
			_, err := hank.Next(ctx, id, MoveOptions{})
			return err
		}), RuleRequiredStep, `cannot move to the next stage: required step "documents" (nwi_claim.nwi_documentsreceived) must be Yes; required step "severity" (nwi_claim.nwi_severity) is empty; required step "approved_amount" (nwi_claim.nwi_approvedamount) is empty`)
		dev.update("nwi_claim", devClaim.ID, Values{"nwi_documentsreceived": "yes", "nwi_severity": "Total Loss", "nwi_approvedamount": "2500"})
		// The auditor reads, never moves.
		if _, err := audrey.Instance(ctx, id); err != nil {
			t.Errorf("the auditor reads: %v", err)
		}
		err := dev.unchanged("the auditor moves", func() error {
			_, err := audrey.Next(ctx, id, MoveOptions{})
			return err
		})
		if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "grants write on nwi_claimsintake") {
			t.Errorf("the auditor moves: %v", err)
		}
		in := dev.must(adam.Next(ctx, id, MoveOptions{}))
		if in.ActiveStage != "review" {
			t.Fatalf("after assess: %s", in.ActiveStage)
		}
		dev.update("nwi_claim", devClaim.ID, Values{"nwi_adjusterid": "adam", "nwi_decision": "Approved"})
		in = dev.must(adam.Next(ctx, id, MoveOptions{})) // to settle: creates the payment
		pay := in.Records["nwi_payment"]
		r, err := admin.Record(ctx, "nwi_payment", pay)
		if err != nil || r.Values["nwi_claimid"] != devClaim.ID || r.Values["nwi_name"] != "CLM-1" || in.ActiveStage != "settle" {
			t.Errorf("payment %v, %v; stage %s", r, err, in.ActiveStage)
		}
		dev.clock.Advance(48 * time.Hour)
		refused(t, dev.unchanged("finish with the payment unreleased", func() error {
			_, err := adam.Finish(ctx, id, MoveOptions{})
			return err
		}), RuleRequiredStep, `cannot finish the instance: required step "amount" (nwi_payment.nwi_amount) is empty; required step "payee" (nwi_payment.nwi_payeeiban) is empty; required step "released" (nwi_payment.nwi_released) must be Yes`)
		dev.update("nwi_payment", pay, Values{"nwi_amount": "2500", "nwi_payeeiban": "GB33BUKB20201555555555", "nwi_released": "yes", "nwi_method": "Bank Transfer"})
		in = dev.must(adam.Finish(ctx, id, MoveOptions{}))
		if in.State != StateFinished || *in.DurationMinutes != 48*60 || in.CompletedOn == nil {
			t.Errorf("finished: %+v", in)
		}
		// Back from settle would cross to the claim and clear the payment
		// lookup; a finished instance must be reactivated first.
		dev.must(admin.Reactivate(ctx, id, MoveOptions{}))
		in = dev.must(adam.Prev(ctx, id, MoveOptions{}))
		if in.ActiveStage != "review" || in.Records["nwi_payment"] != "" || *in.DurationMinutes != 48*60 {
			t.Errorf("after prev from settle: %+v", in)
		}
		// Forward again to a payment made beforehand, on no claim: the link
		// writes its lookup to the claim (a custom table: no modifiedby).
		own := dev.create(admin, "nwi_payment", Values{"nwi_name": "PAY-2"}, StartOptions{NoFlow: true})
		in = dev.must(admin.Next(ctx, id, MoveOptions{Link: own.ID}))
		if r, err := admin.Record(ctx, "nwi_payment", own.ID); err != nil || r.Values["nwi_claimid"] != devClaim.ID || in.Records["nwi_payment"] != own.ID {
			t.Errorf("linked payment %v, %v; instance's %q", r, err, in.Records["nwi_payment"])
		}
		if got := dev.hooks.take(); !slices.Contains(got, "next report>assess acknowledge_claim,score_fraud") ||
			!slices.Contains(got, "next assess>review flag_suspicious_claim") || !slices.Contains(got, "finish ->- close_claim") {
			t.Errorf("hooks saw %q", got)
		}
	})
}
