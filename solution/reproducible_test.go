package solution

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReproducibleHelper is not a test: TestReproducible runs the test binary
// again with it, so that each build happens in a fresh process with its own
// TZ (Go reads TZ once, at start-up).
func TestReproducibleHelper(t *testing.T) {
	out := os.Getenv("BPFC_SOLUTION_BUILD_INTO")
	if out == "" {
		t.Skip("helper process for TestReproducible")
	}
	p := testProject()
	if _, err := build(p, fakeEmitted(p), out, nil); err != nil {
		t.Fatal(err)
	}
}

// TestReproducible builds the same project in separate processes under
// different time zones, with SOURCE_DATE_EPOCH unset and then set to the same
// value, and compares every output file byte for byte.
func TestReproducible(t *testing.T) {
	if os.Getenv("BPFC_SOLUTION_BUILD_INTO") != "" {
		t.Skip("inside the helper process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	buildIn := func(tz, epoch string) map[string][]byte {
		out := t.TempDir()
		cmd := exec.Command(exe, "-test.run=^TestReproducibleHelper$", "-test.count=1")
		env := []string{"BPFC_SOLUTION_BUILD_INTO=" + out, "TZ=" + tz}
		if epoch != "" {
			env = append(env, "SOURCE_DATE_EPOCH="+epoch)
		}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "TZ=") && !strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") &&
				!strings.HasPrefix(kv, "BPFC_SOLUTION_BUILD_INTO=") {
				env = append(env, kv)
			}
		}
		cmd.Env = env
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build with TZ=%s SOURCE_DATE_EPOCH=%q: %v\n%s", tz, epoch, err, b)
		}
		return readAll(t, out)
	}
	compare := func(name string, a, b map[string][]byte) {
		t.Helper()
		if len(a) == 0 {
			t.Fatalf("%s: empty build", name)
		}
		for p, x := range a {
			if y, ok := b[p]; !ok {
				t.Errorf("%s: %s missing from the second build", name, p)
			} else if !bytes.Equal(x, y) {
				t.Errorf("%s: %s differs", name, p)
			}
		}
		for p := range b {
			if _, ok := a[p]; !ok {
				t.Errorf("%s: %s missing from the first build", name, p)
			}
		}
	}
	compare("SOURCE_DATE_EPOCH unset", buildIn("UTC", ""), buildIn("Pacific/Kiritimati", ""))
	compare("SOURCE_DATE_EPOCH=1700000000", buildIn("America/Los_Angeles", "1700000000"), buildIn("Asia/Kolkata", "1700000000"))

	// The in-process build matches too, and SOURCE_DATE_EPOCH does reach the archives.
	_, out := buildOutput(t)
	compare("in-process", buildIn("Europe/Paris", ""), readAll(t, out))
	withEpoch := buildIn("UTC", "1700000000")
	withoutEpoch := readAll(t, out)
	if bytes.Equal(withEpoch["ContosoSales_1_4_0_0.zip"], withoutEpoch["ContosoSales_1_4_0_0.zip"]) {
		t.Error("SOURCE_DATE_EPOCH did not change the archive")
	}
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
