package unpack

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/beevik/etree"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// labelText reads <tag default="..."><label description="..."/></tag>.
func labelText(e *etree.Element, tag string) string {
	c := e.SelectElement(tag)
	if c == nil {
		return ""
	}
	if d := c.SelectAttrValue("default", ""); d != "" {
		return d
	}
	for _, l := range c.SelectElements("label") {
		if d := l.SelectAttrValue("description", ""); d != "" {
			return d
		}
	}
	return strings.TrimSpace(c.Text())
}

// variables reads the environment variable definitions.
func (b *builder) variables() {
	sc := scope{}
	srcs := b.src.variables
	sort.SliceStable(srcs, func(i, j int) bool {
		return strings.ToLower(srcs[i].def.SelectAttrValue("schemaname", "")) < strings.ToLower(srcs[j].def.SelectAttrValue("schemaname", ""))
	})
	for _, vs := range srcs {
		def := vs.def
		schema := def.SelectAttrValue("schemaname", "")
		comp := "variable " + schema
		typeCode := text(def, "type")
		typ, ok := solution.VariableType(typeCode)
		if !ok {
			what := "type " + typeCode
			if typeCode == "100000004" {
				what = "a data source"
			}
			b.w.put(Warning{Component: comp, File: vs.file, LeftOutVariable: schema,
				Message: fmt.Sprintf("%s is not a variable type bpfc has; the variable was left out", what)})
			continue
		}
		lower := strings.ToLower(schema)
		name := lower
		if b.ownPrefix(lower) {
			name = strings.TrimPrefix(lower, b.prefix+"_")
		} else if _, after, ok := strings.Cut(lower, "_"); ok {
			name = after
		}
		if !validName(name) {
			name = ident(name, "variable")
		}
		name = sc.unique(name)
		v := &compiler.Variable{Name: name, SchemaName: b.prefix + "_" + name, Type: typ,
			DisplayName: labelText(def, "displayname"), Description: labelText(def, "description")}
		if v.DisplayName == "" {
			v.DisplayName = name
		}
		if v.SchemaName != schema {
			b.w.add(comp, vs.file, "the schema name becomes %s: bpfc names variables with the publisher prefix and a lowercase name", v.SchemaName)
		}
		if d := def.SelectElement("defaultvalue"); d != nil {
			text := d.Text()
			switch {
			case typ == compiler.VarSecret:
				b.w.add(comp, vs.file, "a secret never has a default in bpfc; the default was left out")
			case text == "":
			default:
				val, err := variableValue(typ, text)
				if err != nil {
					b.w.add(comp, vs.file, "the default %q is not a %s (%v); it was left out", text, typ, err)
				} else {
					v.Default = val
				}
			}
		}
		// Not required and without default (the Dataverse default for a new
		// variable): an environment may leave it empty.
		if !v.HasDefault() && text(def, "isrequired") == "0" {
			v.Optional = true
		}
		if vs.valuesFile != "" {
			b.w.put(Warning{Component: comp, File: vs.valuesFile, CurrentValue: true,
				Message: fmt.Sprintf("the current value is not kept: values belong to environments (environment \"...\" { values = { %s = ... } }) or a deployment settings file", name)})
		}
		b.vars = append(b.vars, v)
	}
}

// variableValue reads a value as Dataverse stores it.
func variableValue(typ, s string) (cty.Value, error) {
	switch typ {
	case compiler.VarString:
		return cty.StringVal(s), nil
	case compiler.VarNumber:
		f, _, err := big.ParseFloat(strings.TrimSpace(s), 10, 512, big.ToNearestEven)
		if err != nil {
			return cty.NilVal, fmt.Errorf("not a number")
		}
		return cty.NumberVal(f), nil
	case compiler.VarBoolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes", "true", "1":
			return cty.True, nil
		case "no", "false", "0":
			return cty.False, nil
		}
		return cty.NilVal, fmt.Errorf("not yes or no")
	case compiler.VarJSON:
		t, err := ctyjson.ImpliedType([]byte(s))
		if err != nil {
			return cty.StringVal(s), nil // kept as JSON text
		}
		v, err := ctyjson.Unmarshal([]byte(s), t)
		if err != nil || v.IsNull() {
			return cty.StringVal(s), nil
		}
		// An HCL value only where it ships this very text again: other
		// spacing, key order or number spelling stays a string, so the
		// rebuilt definition is the one read.
		if again, err := compiler.JSONText(v); err != nil || again != s {
			return cty.StringVal(s), nil
		}
		return v, nil
	}
	return cty.NilVal, fmt.Errorf("unknown type")
}
