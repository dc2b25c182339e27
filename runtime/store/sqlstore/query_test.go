package sqlstore

import (
	"errors"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestInListNestsAsTerms: an Any of one column equal to values (one IN
// list) is refused as deep in conditions as its terms are, as the same
// Any over two columns is: whether a filter nests too deep does not
// depend on which columns its terms name.
func TestInListNestsAsTerms(t *testing.T) {
	tb := store.Table{Name: "t", PrimaryKey: "id", Columns: []store.Column{
		{Name: "id", Type: "uniqueidentifier"}, {Name: "n", Type: "integer"}, {Name: "m", Type: "integer"}}}
	nested := func(other string, nots int) store.Cond {
		var c store.Cond = store.Any{store.Compare{Column: "n", Op: store.OpEq, Value: 1}, store.Compare{Column: other, Op: store.OpEq, Value: 2}}
		for range nots {
			c = store.Not{X: c}
		}
		return c
	}
	for _, nots := range []int{maxCondDepth - 2, maxCondDepth - 1} {
		for _, other := range []string{"m", "n"} {
			b := &queryBuilder{tb: tb}
			_, err := b.cond(nested(other, nots))
			if tooDeep := nots+2 > maxCondDepth; tooDeep != errors.Is(err, store.ErrBadQuery) {
				t.Errorf("%d nots over n and %s: %v, want refused %v", nots, other, err, tooDeep)
			}
		}
	}
}
