package solution

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
)

func TestXMLRoundTrip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<a/>`, `<a />`},
		{`<a></a>`, `<a></a>`},
		{`<a x="1" y="2"><b/><c></c></a>`, "<a x=\"1\" y=\"2\">\r\n  <b />\r\n  <c></c>\r\n</a>"},
		{"<a>\n    <b>text</b>\n</a>", "<a>\r\n  <b>text</b>\r\n</a>"},
		{`<a>x &amp; y &lt; z &gt; w "q" 'r'</a>`, `<a>x &amp; y &lt; z &gt; w "q" 'r'</a>`},
		{`<a v="x &amp; &quot;y&quot; &lt;z&gt; 'r'" />`, `<a v="x &amp; &quot;y&quot; &lt;z&gt; 'r'" />`},
		{"<a v=\"l1&#xA;l2&#x9;t\" />", "<a v=\"l1&#xA;l2&#x9;t\" />"},
		{"<a>line1\nline2</a>", "<a>line1\r\nline2</a>"},
		{"<a>line1\r\nline2</a>", "<a>line1\r\nline2</a>"},
		{"<a><![CDATA[<b>&]]></a>", "<a><![CDATA[<b>&]]></a>"},
		{"<a>mixed <b>bold</b> text</a>", "<a>mixed <b>bold</b> text</a>"},
		{"<a>  </a>", "<a>  </a>"},
		{`<x:a xmlns:x="urn:x" x:k="v"><x:b /></x:a>`, "<x:a xmlns:x=\"urn:x\" x:k=\"v\">\r\n  <x:b />\r\n</x:a>"},
		{"\uFEFF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a><!-- note --><b /></a>", "<a>\r\n  <!-- note -->\r\n  <b />\r\n</a>"},
	} {
		doc, err := ParseXML([]byte(tc.in))
		if err != nil {
			t.Errorf("parse %q: %v", tc.in, err)
			continue
		}
		got, err := marshalXML(doc, bare)
		if err != nil {
			t.Errorf("marshal %q: %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestXMLFraming(t *testing.T) {
	doc, _ := newDoc("a")
	b, _ := marshalXML(doc, declared)
	if want := "\uFEFF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<a />"; string(b) != want {
		t.Errorf("declared: %q", b)
	}
	for p, want := range map[string]framing{
		"Other/Solution.xml":          declared,
		"Other/Customizations.xml":    declared,
		"Workflows/X-1.xaml.data.xml": declared,
		"Entities/t/Entity.xml":       declared,
		"Roles/R.xml":                 declared,
		"Workflows/X-1.xaml":          bare,
		"Entities/t/Formulas/f.xaml":  bare,
		"environmentvariabledefinitions/cts_x/environmentvariabledefinition.xml": bare,
	} {
		if got := treeFraming(p); got != want {
			t.Errorf("treeFraming(%s) = %v, want %v", p, got, want)
		}
	}
}

func TestXMLRefusesBadCharacters(t *testing.T) {
	doc, root := newDoc("a")
	root.SetText("bell \x07")
	if _, err := marshalXML(doc, bare); err == nil {
		t.Error("a control character was written")
	}
	doc, root = newDoc("a")
	root.CreateAttr("v", "bad \xff utf-8")
	if _, err := marshalXML(doc, bare); err == nil {
		t.Error("invalid UTF-8 was written")
	}
	doc, root = newDoc("a")
	root.CreateText("lone\rcr")
	if b, _ := marshalXML(doc, bare); string(b) != "<a>lone&#xD;cr</a>" {
		t.Errorf("lone CR: %q", b)
	}
	if _, err := marshalXML(etree.NewDocument(), bare); err == nil {
		t.Error("an empty document was written")
	}
}

func TestParseXMLRefuses(t *testing.T) {
	for _, in := range []string{
		`<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>`,
		`<a>&unknown;</a>`,
		`<a></b>`,
		`<a/><b/>`,
		`text<a/>`,
		`<a x="1" x="2"/>`,
		strings.Repeat("<a>", maxXMLDepth+1) + strings.Repeat("</a>", maxXMLDepth+1),
		``,
	} {
		if _, err := ParseXML([]byte(in)); err == nil {
			t.Errorf("parseXML(%.40q) accepted", in)
		}
	}
}
