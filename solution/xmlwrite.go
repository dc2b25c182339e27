package solution

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Serialisation conventions. Every XML file bpfc writes, in the unpacked tree
// and in archives, uses CRLF line endings, a two-space indent, ` />` for empty
// elements and no final newline, as Dataverse's XmlWriter does. Whether a file
// starts with a UTF-8 BOM and an XML declaration depends on where it goes
// (see framing).
const (
	newline = "\r\n"
	indent  = "  "
	bom     = "\uFEFF"
	xmlDecl = `<?xml version="1.0" encoding="utf-8"?>`
)

// framing says what precedes the root element of a serialised document.
type framing int

const (
	bare     framing = iota // no BOM, no declaration: archive parts, XAML, env var definitions
	declared                // BOM and declaration: SolutionPackager's Solution.xml, Customizations.xml, ...
)

// marshalXML serialises the root element of doc. Processing instructions,
// comments and whitespace outside the root are dropped; whitespace-only text
// between elements is replaced by the canonical indent; text in leaf elements
// is kept as is (newlines written as CRLF). An element holding an empty text
// token is written with an end tag (`<a></a>`, as Dataverse writes nil values),
// any other empty element self-closes (`<a />`).
func marshalXML(doc *etree.Document, f framing) ([]byte, error) {
	root := doc.Root()
	if root == nil {
		return nil, fmt.Errorf("xml document has no root element")
	}
	var b xmlOut
	if f == declared {
		b.WriteString(bom + xmlDecl + newline)
	}
	if err := writeElement(&b, root, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeElement(b *xmlOut, e *etree.Element, depth int) error {
	b.WriteByte('<')
	b.WriteString(e.FullTag())
	for _, a := range e.Attr {
		b.WriteByte(' ')
		b.WriteString(a.FullKey())
		b.WriteString(`="`)
		if err := escapeAttr(b, a.Value); err != nil {
			return fmt.Errorf("attribute %s of <%s>: %w", a.FullKey(), e.FullTag(), err)
		}
		b.WriteByte('"')
	}

	hasElem, hasText := false, false
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Element, *etree.Comment:
			hasElem = true
		case *etree.CharData:
			if t.IsCData() || !isSpace(t.Data) {
				hasText = true
			}
		case *etree.Directive:
			return fmt.Errorf("<%s> contains a directive (DTDs are not allowed)", e.FullTag())
		}
	}

	switch {
	case len(e.Child) == 0:
		b.WriteString(" />")
		return nil
	case !hasElem:
		// A leaf: its text, verbatim (an empty text token gives <a></a>).
		b.WriteByte('>')
		for _, t := range e.Child {
			if cd, ok := t.(*etree.CharData); ok {
				if err := writeCharData(b, cd); err != nil {
					return fmt.Errorf("text of <%s>: %w", e.FullTag(), err)
				}
			}
		}
	case hasText:
		// Mixed content: indentation would change the text, so none is added.
		b.WriteByte('>')
		for _, t := range e.Child {
			if err := writeToken(b, t, -1); err != nil {
				return err
			}
		}
	default:
		b.WriteByte('>')
		for _, t := range e.Child {
			if _, ok := t.(*etree.CharData); ok {
				continue // whitespace between elements: replaced by the indent
			}
			if _, ok := t.(*etree.ProcInst); ok {
				continue
			}
			b.WriteString(newline)
			b.WriteString(strings.Repeat(indent, depth+1))
			if err := writeToken(b, t, depth+1); err != nil {
				return err
			}
		}
		b.WriteString(newline)
		b.WriteString(strings.Repeat(indent, depth))
	}
	b.WriteString("</")
	b.WriteString(e.FullTag())
	b.WriteByte('>')
	return nil
}

// writeToken writes one child token; depth < 0 means inline (mixed content).
func writeToken(b *xmlOut, t etree.Token, depth int) error {
	switch t := t.(type) {
	case *etree.Element:
		if depth < 0 {
			depth = 0
		}
		return writeElement(b, t, depth)
	case *etree.CharData:
		return writeCharData(b, t)
	case *etree.Comment:
		if strings.Contains(t.Data, "--") {
			return fmt.Errorf("comment contains \"--\"")
		}
		b.WriteString("<!--" + t.Data + "-->")
	}
	return nil
}

func writeCharData(b *xmlOut, cd *etree.CharData) error {
	if cd.IsCData() {
		if err := checkChars(cd.Data); err != nil {
			return err
		}
		parts := strings.Split(cd.Data, "]]>")
		for i, p := range parts {
			if i > 0 {
				p = ">" + p
			}
			if i < len(parts)-1 {
				p += "]]"
			}
			b.WriteString("<![CDATA[")
			b.WriteString(crlf(p))
			b.WriteString("]]>")
		}
		return nil
	}
	return escapeText(b, cd.Data)
}

// escapeText escapes character data as .NET's XmlWriter does: &, < and >
// become references; newlines become CRLF; a lone CR is written as &#xD;.
func escapeText(b *xmlOut, s string) error {
	if err := checkChars(s); err != nil {
		return err
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				b.WriteString(newline)
				i++
			} else {
				b.WriteString("&#xD;")
			}
		case '\n':
			b.WriteString(newline)
		default:
			b.WriteByte(c)
		}
	}
	return nil
}

// escapeAttr escapes an attribute value: &, <, >, " and the whitespace
// characters that attribute normalisation would otherwise lose.
func escapeAttr(b *xmlOut, s string) error {
	if err := checkChars(s); err != nil {
		return err
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(c)
		}
	}
	return nil
}

// checkChars refuses text XML 1.0 cannot carry.
func checkChars(s string) error {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return fmt.Errorf("invalid UTF-8 at offset %d", i)
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return fmt.Errorf("character %U at offset %d is not allowed in XML", r, i)
		}
		i += size
	}
	return nil
}

// isSpace reports whether s is only XML whitespace (etree's own flag is set
// only by its reader, not on tokens built in code).
func isSpace(s string) bool { return strings.Trim(s, " \t\r\n") == "" }

func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", newline)
}

// Element-building helpers: etree keeps attributes in the order they are
// created, so every writer creates them in Dataverse's order.

// elem appends a child element with attributes given as key, value pairs.
func elem(parent *etree.Element, tag string, attrs ...string) *etree.Element {
	e := parent.CreateElement(tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		e.CreateAttr(attrs[i], attrs[i+1])
	}
	return e
}

// textElem appends <tag>text</tag>; an empty text is written as <tag></tag>.
func textElem(parent *etree.Element, tag, text string) *etree.Element {
	e := parent.CreateElement(tag)
	e.AddChild(etree.NewText(text))
	return e
}

// nilElem appends <tag xsi:nil="true"></tag>.
func nilElem(parent *etree.Element, tag string) *etree.Element {
	e := elem(parent, tag, "xsi:nil", "true")
	e.AddChild(etree.NewText(""))
	return e
}

const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// newDoc returns a document whose root is tag with the given attributes.
func newDoc(tag string, attrs ...string) (*etree.Document, *etree.Element) {
	doc := etree.NewDocument()
	root := elem(&doc.Element, tag, attrs...)
	return doc, root
}
