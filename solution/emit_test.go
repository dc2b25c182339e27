package solution

import (
	"runtime"
	"strings"
	"testing"
)

// TestEmitProjectHoldsNoXAMLTree: the build serialises each XAML document
// as it is emitted and lets its tree go, so what the emitted project holds
// is about the size of its XAML. Holding every document's tree until the
// archives were written held several times that: some 8 KB per clause of a
// long condition against 4 KB serialised, every flow's tree at once.
func TestEmitProjectHoldsNoXAMLTree(t *testing.T) {
	p := longConditionProject(t, "||", 2000)
	heap := func() uint64 {
		// Twice: a sync.Pool keeps what it holds for one collection.
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	em, err := emitProject(p)
	if err != nil {
		t.Fatal(err)
	}
	// Signed: a heap that shrank holds nothing new (unsigned, it wrapped).
	held := int64(heap()) - int64(before)
	tree, err := ProjectTree(p, em)
	if err != nil {
		t.Fatal(err)
	}
	xaml := 0
	for _, path := range tree.Paths() {
		if strings.HasSuffix(path, ".xaml") {
			b, err := tree.Bytes(path)
			if err != nil {
				t.Fatal(err)
			}
			xaml += len(b)
		}
	}
	t.Logf("emitted project holds %d bytes for %d bytes of XAML", held, xaml)
	if held > int64(xaml)*3/2 {
		t.Errorf("the emitted project holds %d bytes, more than 1.5 times its %d bytes of XAML", held, xaml)
	}
}
