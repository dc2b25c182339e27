package solution

// xmlOut collects serialised XML in pieces and copies them once into a
// slice of the exact length. A bytes.Buffer grown by doubling to a flow's
// XAML (tens of megabytes for a long condition) allocates as much again on
// the way, keeps up to twice the length in capacity, and is copied for the
// caller besides: with the document's tree still live, that was the peak of
// a build. The pieces grow with what was written (4 KB to 1 MB), so a small
// document takes one small piece, and are garbage once copied.
type xmlOut struct {
	full [][]byte // filled pieces, in order
	cur  []byte   // the piece being filled
	n    int      // bytes in full
}

// next starts a new piece.
func (o *xmlOut) next() {
	if o.cur != nil {
		o.full = append(o.full, o.cur)
		o.n += len(o.cur)
	}
	o.cur = make([]byte, 0, min(max(o.n, 4<<10), 1<<20))
}

// WriteByte never fails; it returns an error to be an io.ByteWriter.
func (o *xmlOut) WriteByte(c byte) error {
	if len(o.cur) == cap(o.cur) {
		o.next()
	}
	o.cur = append(o.cur, c)
	return nil
}

func (o *xmlOut) WriteString(s string) {
	for len(s) > 0 {
		if len(o.cur) == cap(o.cur) {
			o.next()
		}
		k := copy(o.cur[len(o.cur):cap(o.cur)], s)
		o.cur = o.cur[:len(o.cur)+k]
		s = s[k:]
	}
}

// Bytes returns everything written, in one slice of its exact length.
func (o *xmlOut) Bytes() []byte {
	out := make([]byte, 0, o.n+len(o.cur))
	for _, p := range o.full {
		out = append(out, p...)
	}
	return append(out, o.cur...)
}
