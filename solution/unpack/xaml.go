package unpack

import (
	"strings"

	"github.com/beevik/etree"
)

// Reading process XAML. Elements are matched by local name (prefixes vary
// between writers); composites are mxswa:ActivityReference elements whose
// AssemblyQualifiedName names the class.

// local is an element's tag without its prefix.
func local(e *etree.Element) string { return e.Tag }

// class is the short class name of an ActivityReference
// ("Microsoft.Crm.Workflow.Activities.StageComposite, ..." -> "StageComposite"),
// or the element's local name for typed activities.
func class(e *etree.Element) string {
	if local(e) != "ActivityReference" {
		return local(e)
	}
	q := e.SelectAttrValue("AssemblyQualifiedName", "")
	if i := strings.IndexByte(q, ','); i >= 0 {
		q = q[:i]
	}
	q = strings.TrimSpace(q)
	if i := strings.LastIndexByte(q, '.'); i >= 0 {
		q = q[i+1:]
	}
	return q
}

// attr returns an attribute by local name (any prefix).
func attr(e *etree.Element, key string) (string, bool) {
	for _, a := range e.Attr {
		if a.Key == key && a.Space != "xmlns" {
			return a.Value, true
		}
	}
	return "", false
}

func attrValue(e *etree.Element, key string) string {
	v, _ := attr(e, key)
	return v
}

// key is an element's x:Key.
func key(e *etree.Element) string { return attrValue(e, "Key") }

// section returns the child of e named "<anything>.<suffix>", such as
// ActivityReference.Properties or Control.DataFieldName.
func section(e *etree.Element, suffix string) *etree.Element {
	for _, c := range e.ChildElements() {
		if strings.HasSuffix(local(c), "."+suffix) {
			return c
		}
	}
	return nil
}

// keyed returns the child of a Properties or Arguments section with x:Key k.
func keyed(sec *etree.Element, k string) *etree.Element {
	if sec == nil {
		return nil
	}
	for _, c := range sec.ChildElements() {
		if key(c) == k {
			return c
		}
	}
	return nil
}

// prop returns the keyed property of an ActivityReference.
func prop(e *etree.Element, k string) *etree.Element { return keyed(section(e, "Properties"), k) }

// arg returns the keyed argument of an ActivityReference.
func arg(e *etree.Element, k string) *etree.Element { return keyed(section(e, "Arguments"), k) }

// propText is a property's text; x:Null and missing properties give "".
func propText(e *etree.Element, k string) string {
	p := prop(e, k)
	if p == nil || local(p) == "Null" {
		return ""
	}
	return strings.TrimSpace(p.Text())
}

func argText(e *etree.Element, k string) string {
	a := arg(e, k)
	if a == nil || local(a) == "Null" {
		return ""
	}
	return strings.TrimSpace(a.Text())
}

// activities are the children of a composite's Activities collection.
func activities(e *etree.Element) []*etree.Element {
	c := prop(e, "Activities")
	if c == nil {
		return nil
	}
	return c.ChildElements()
}

// stepLabel is the Description of the first StepLabel in a StepLabels collection.
func stepLabel(e *etree.Element) string {
	c := prop(e, "StepLabels")
	if c == nil {
		return ""
	}
	var first string
	for _, l := range c.ChildElements() {
		d := attrValue(l, "Description")
		if attrValue(l, "LanguageCode") == "1033" {
			return d
		}
		if first == "" {
			first = d
		}
	}
	return first
}

// normID lowercases an id and drops braces.
func normID(s string) string { return strings.ToLower(strings.Trim(strings.TrimSpace(s), "{}")) }

// bracketed returns the name inside "[name]", or "".
func bracketed(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return ""
}

// extensionPrefix is the prefix a document declares for the bpfc extension
// namespace, or "".
func extensionPrefix(root *etree.Element, ns string) string {
	if root == nil {
		return ""
	}
	for _, a := range root.Attr {
		if a.Space == "xmlns" && a.Value == ns {
			return a.Key
		}
	}
	return ""
}

// extAttr returns a bpfc extension attribute of e.
func extAttr(e *etree.Element, prefix, k string) (string, bool) {
	if prefix == "" {
		return "", false
	}
	for _, a := range e.Attr {
		if a.Space == prefix && a.Key == k {
			return a.Value, true
		}
	}
	return "", false
}

// vbArray splits a Visual Basic array expression
// "[New Object() { a, "b,c", d }]" into its items: names as they are,
// strings unquoted ("" -> ", &#44; -> ,). ok is false for anything else.
func vbArray(s string) (items []vbItem, ok bool) {
	s = strings.TrimSpace(s)
	inner := bracketed(s)
	if inner == "" {
		return nil, false
	}
	open := strings.IndexByte(inner, '{')
	if open < 0 || !strings.HasSuffix(inner, "}") || !strings.HasPrefix(inner, "New ") {
		return nil, false
	}
	body := inner[open+1 : len(inner)-1]
	i := 0
	for {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i >= len(body) {
			break
		}
		if body[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(body) {
				if body[i] == '"' {
					if i+1 < len(body) && body[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(body[i])
				i++
			}
			if !closed {
				return nil, false
			}
			items = append(items, vbItem{str: true, text: strings.ReplaceAll(b.String(), "&#44;", ",")})
		} else {
			j := i
			for j < len(body) && body[j] != ',' {
				j++
			}
			items = append(items, vbItem{text: strings.TrimSpace(body[i:j])})
			i = j
		}
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i < len(body) {
			if body[i] != ',' {
				return nil, false
			}
			i++
		}
	}
	return items, true
}

// vbItem is one item of a VB array: a string literal or a name.
type vbItem struct {
	str  bool
	text string
}
