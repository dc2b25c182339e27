package solution

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"
)

// TestMarshalXMLAllocatesItsLengthTwice: serialising a large document
// allocates its pieces and the exact copy returned, about twice its length.
// A bytes.Buffer grown by doubling and then copied allocated three to five
// times it, with the document's tree still live: the peak of a build of a
// long condition.
func TestMarshalXMLAllocatesItsLengthTwice(t *testing.T) {
	doc, root := newDoc("Activity", "x:Class", "c")
	for i := range 50_000 {
		e := elem(root, "InArgument", "x:TypeArguments", "x:Boolean", "x:Key", "Operand"+strconv.Itoa(i))
		e.SetText("[result_" + strconv.Itoa(i) + "]")
	}
	allocated := func() uint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.TotalAlloc
	}
	// As in a build's first serialisation: nothing kept from earlier ones.
	runtime.GC()
	runtime.GC()
	before := allocated()
	b, err := marshalXML(doc, bare)
	if err != nil {
		t.Fatal(err)
	}
	got := allocated() - before
	t.Logf("%d bytes of XML, %d bytes allocated", len(b), got)
	if got > uint64(len(b))*5/2 {
		t.Errorf("serialising %d bytes of XML allocated %d bytes, more than 2.5 times its length", len(b), got)
	}
	if !bytes.HasPrefix(b, []byte(`<Activity x:Class="c">`+newline+indent+`<InArgument x:TypeArguments="x:Boolean" x:Key="Operand0">[result_0]</InArgument>`)) {
		t.Errorf("unexpected output %.120q", b)
	}
}
