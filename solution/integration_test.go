package solution

import (
	"bytes"
	"os"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// loadExample loads examples/sales with the real parser: an example that
// does not load fails the test (a skip would hide the coverage it gives).
func loadExample(t *testing.T) *compiler.Project {
	t.Helper()
	p, diags := compiler.Load("../examples/sales")
	if diags.HasErrors() {
		t.Fatalf("examples/sales does not load: %v", diags)
	}
	return p
}

// TestBuildExample builds the example project with the real emitters and
// checks the archive round trip: ReadArchive accepts it and packing the
// unpacked tree reproduces the unmanaged archive.
func TestBuildExample(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	p := loadExample(t)
	res, err := Build(p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []string{res.Unmanaged, res.Managed} {
		if _, err := ReadArchiveFile(z); err != nil {
			t.Error(err)
		}
	}
	var buf bytes.Buffer
	if err := Pack(res.TreeDir, &buf); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(res.Unmanaged)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Error("pack of the built tree differs from the unmanaged archive")
	}
	// The archives a deploy renders in memory are the files Build wrote.
	unmanaged, managed, err := Archives(p)
	if err != nil {
		t.Fatal(err)
	}
	wantManaged, _ := os.ReadFile(res.Managed)
	if !bytes.Equal(unmanaged, want) || !bytes.Equal(managed, wantManaged) {
		t.Error("Archives differs from the archives Build wrote")
	}
}
