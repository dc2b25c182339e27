package unpack

import (
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

func (r *renderer) roles() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for i, ro := range r.p.Roles {
		if i > 0 {
			body.AppendNewline()
		}
		rb := body.AppendNewBlock("role", []string{ro.Name}).Body()
		if ro.DisplayName != "" && ro.DisplayName != ro.Name {
			str(rb, "display_name", ro.DisplayName)
		}
		for _, g := range ro.Grants {
			rb.AppendNewline()
			gb := rb.AppendNewBlock("grant", []string{g.Flow}).Body()
			var privs []cty.Value
			for _, pv := range g.Privileges {
				privs = append(privs, cty.StringVal(pv))
			}
			if len(privs) == 0 {
				gb.SetAttributeValue("privileges", cty.ListValEmpty(cty.String))
			} else {
				gb.SetAttributeValue("privileges", cty.ListVal(privs))
			}
			if g.Depth != "" && g.Depth != "organization" {
				str(gb, "depth", g.Depth)
			}
		}
	}
	return finish(f)
}

// sendEmailKeys is the order send_email's fields are written in.
var sendEmailKeys = []string{"to", "cc", "subject", "body"}

func (r *renderer) workflows() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for i, w := range r.p.Workflows {
		if i > 0 {
			body.AppendNewline()
		}
		wb := body.AppendNewBlock("workflow", []string{w.Name}).Body()
		if w.DisplayName != "" && w.DisplayName != w.Name {
			str(wb, "display_name", w.DisplayName)
		}
		str(wb, "table", w.Table)
		if w.Mode == compiler.ModeRealtime {
			str(wb, "mode", compiler.ModeRealtime)
		}
		if w.WaitUntil != nil {
			wb.SetAttributeRaw("wait_until", exprTokens(w.WaitUntil, 0))
		}
		if w.Timeout != "" {
			str(wb, "timeout", w.Timeout)
		}
		for _, st := range w.Steps {
			wb.AppendNewline()
			sb := wb.AppendNewBlock("step", []string{st.Name}).Body()
			if st.When != nil {
				sb.SetAttributeRaw("when", exprTokens(st.When, 0))
			}
			switch st.Kind {
			case compiler.StepUpdate:
				sb.SetAttributeRaw(st.Kind, valuesObject(st.Values, nil))
			case compiler.StepCreate:
				attrs := []hclwrite.ObjectAttrTokens{{Name: hclwrite.TokensForIdentifier("table"), Value: hclwrite.TokensForValue(cty.StringVal(st.CreateTable))}}
				if len(st.Values) > 0 {
					attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: hclwrite.TokensForIdentifier("values"), Value: valuesObject(st.Values, nil)})
				}
				sb.SetAttributeRaw(st.Kind, hclwrite.TokensForObject(attrs))
			case compiler.StepSendEmail:
				sb.SetAttributeRaw(st.Kind, valuesObject(st.Values, sendEmailKeys))
			case compiler.StepStartWorkflow:
				sb.SetAttributeRaw(st.Kind, traversal("workflow", st.Workflow))
			case compiler.StepStop:
				if len(st.Values) == 0 {
					sb.SetAttributeValue(st.Kind, cty.True)
				} else {
					sb.SetAttributeRaw(st.Kind, valuesObject(st.Values, nil))
				}
			default: // assign, change_status, webhook
				sb.SetAttributeRaw(st.Kind, valuesObject(st.Values, nil))
			}
		}
	}
	return finish(f)
}
