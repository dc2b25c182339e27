package solution

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readZip(t *testing.T, path string) (names []string, files map[string][]byte, zr *zip.Reader) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err = zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		names = append(names, f.Name)
		files[f.Name] = data
	}
	return names, files, zr
}

// TestArchivesPassExternalTools runs unzip -t and Python's zipfile over both
// archives; each check is skipped only when its tool is not installed.
func TestArchivesPassExternalTools(t *testing.T) {
	res, _ := buildOutput(t)
	for _, zipPath := range []string{res.Unmanaged, res.Managed} {
		t.Run(filepath.Base(zipPath), func(t *testing.T) {
			t.Run("unzip", func(t *testing.T) {
				unzip, err := exec.LookPath("unzip")
				if err != nil {
					t.Skip("unzip not installed")
				}
				out, err := exec.Command(unzip, "-t", zipPath).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "No errors detected") {
					t.Fatalf("unzip -t: %v\n%s", err, out)
				}
			})
			t.Run("python", func(t *testing.T) {
				py, err := exec.LookPath("python3")
				if err != nil {
					t.Skip("python3 not installed")
				}
				script := `import zipfile,sys
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad is not None:
    sys.exit("bad entry: " + bad)
print("\n".join(z.namelist()))`
				out, err := exec.Command(py, "-c", script, zipPath).CombinedOutput()
				if err != nil {
					t.Fatalf("python zipfile: %v\n%s", err, out)
				}
				names, _, _ := readZip(t, zipPath)
				if got := strings.Fields(string(out)); !slices.Equal(got, names) {
					t.Errorf("python lists %v, want %v", got, names)
				}
			})
		})
	}
}

func TestArchiveLayout(t *testing.T) {
	res, _ := buildOutput(t)
	tree, err := ReadTree(res.TreeDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, zipPath := range []string{res.Unmanaged, res.Managed} {
		names, files, zr := readZip(t, zipPath)
		if len(names) < 4 || names[0] != "customizations.xml" || names[1] != "solution.xml" || names[len(names)-1] != "[Content_Types].xml" {
			t.Fatalf("%s: entry order %v", zipPath, names)
		}
		if middle := names[2 : len(names)-1]; !slices.IsSorted(middle) {
			t.Errorf("parts not sorted: %v", middle)
		}
		for _, f := range zr.File {
			if f.Method != zip.Deflate || f.Flags != 0x2 || len(f.Extra) != 0 || f.ExternalAttrs != 0 ||
				f.CreatorVersion != 45 || !f.Modified.Equal(DefaultModTime) || f.Comment != "" {
				t.Errorf("%s: unexpected header %+v", f.Name, f.FileHeader)
			}
		}
		ct := files["[Content_Types].xml"]
		want := bom + xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="xml" ContentType="application/octet-stream" />` +
			`<Default Extension="xaml" ContentType="application/octet-stream" /></Types>`
		if string(ct) != want {
			t.Errorf("[Content_Types].xml = %q\nwant %q", ct, want)
		}
		for name, data := range files {
			if name == "[Content_Types].xml" {
				continue
			}
			if bytes.HasPrefix(data, []byte(bom)) || bytes.Contains(data, []byte("<?xml")) {
				t.Errorf("%s: has a BOM or declaration", name)
			}
			if bytes.Count(data, []byte("\n")) != bytes.Count(data, []byte("\r\n")) {
				t.Errorf("%s: has line endings other than CRLF", name)
			}
			if bytes.HasSuffix(data, []byte("\n")) {
				t.Errorf("%s: ends with a newline", name)
			}
		}
		// XAML, formulas and variable definitions are the tree's bytes.
		for _, p := range tree.Paths() {
			entry := p
			if strings.HasPrefix(p, "Entities/") && strings.Contains(p, "/Formulas/") {
				entry = "Formulas/" + filepath.Base(p)
			}
			if !strings.HasSuffix(p, ".xaml") && !strings.HasPrefix(p, "environmentvariabledefinitions/") {
				continue
			}
			tb, _ := tree.Bytes(p)
			if !bytes.Equal(files[entry], tb) {
				t.Errorf("archive entry %s differs from tree file %s", entry, p)
			}
		}
	}
}

// TestManagedDiffersOnlyInFlag: Dataverse's managed and unmanaged exports of
// the same solution differ only in <Managed>.
func TestManagedDiffersOnlyInFlag(t *testing.T) {
	res, _ := buildOutput(t)
	un, ufiles, _ := readZip(t, res.Unmanaged)
	mn, mfiles, _ := readZip(t, res.Managed)
	if !slices.Equal(un, mn) {
		t.Fatalf("entries differ: %v vs %v", un, mn)
	}
	for _, n := range un {
		u, m := string(ufiles[n]), string(mfiles[n])
		if n == "solution.xml" {
			u = strings.Replace(u, "<Managed>0</Managed>", "<Managed>1</Managed>", 1)
			if !strings.Contains(string(ufiles[n]), "<Managed>0</Managed>") {
				t.Errorf("unmanaged solution.xml lacks <Managed>0</Managed>")
			}
		}
		if u != m {
			t.Errorf("%s differs between managed and unmanaged beyond the Managed flag", n)
		}
	}
	tree, err := os.ReadFile(filepath.Join(res.TreeDir, "Other", "Solution.xml"))
	if err != nil || !bytes.Contains(tree, []byte("<Managed>0</Managed>")) {
		t.Errorf("the unpacked tree's Solution.xml should be the unmanaged manifest (err %v)", err)
	}
}

func TestModTime(t *testing.T) {
	for _, tc := range []struct {
		env  string
		set  bool
		want time.Time
		err  bool
	}{
		{set: false, want: DefaultModTime},
		{env: "", set: true, want: DefaultModTime},
		{env: "1700000000", set: true, want: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)},
		{env: "0", set: true, want: DefaultModTime},
		{env: "-5", set: true, want: DefaultModTime},
		{env: "99999999999", set: true, want: time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)},
		{env: "yesterday", set: true, err: true},
	} {
		t.Setenv("SOURCE_DATE_EPOCH", tc.env)
		if !tc.set {
			os.Unsetenv("SOURCE_DATE_EPOCH")
		}
		got, err := ModTime()
		if (err != nil) != tc.err || (!tc.err && !got.Equal(tc.want)) {
			t.Errorf("SOURCE_DATE_EPOCH=%q (set %v): got %v, %v; want %v (error %v)", tc.env, tc.set, got, err, tc.want, tc.err)
		}
	}
}

func TestSourceDateEpochInArchive(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000001") // odd second: MS-DOS times have 2 s resolution
	var buf bytes.Buffer
	p := testProject()
	tree, err := ProjectTree(p, fakeEmitted(p))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteArchive(&buf, tree, false); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	for _, f := range zr.File {
		if !f.Modified.Equal(want) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, want)
		}
	}
}

// TestArchivesMergeTheTreeOnce: a build's two archives differ only in the
// manifest's Managed flag, so the second must cost a fraction of the first.
// Merging the tree again for it, serialising customizations.xml again and
// hashing every entry (SHA-256) to find its compressed copy made it cost
// as much as the first.
func TestArchivesMergeTheTreeOnce(t *testing.T) {
	p := loadExample(t)
	tree := func() *Tree {
		em, err := emitProject(p)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := ProjectTree(p, em)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	// Each run on a tree of its own: a tree keeps its serialised files.
	base := testing.AllocsPerRun(1, func() { tree() })
	one := testing.AllocsPerRun(1, func() {
		if err := WriteArchive(io.Discard, tree(), false); err != nil {
			t.Fatal(err)
		}
	})
	both := testing.AllocsPerRun(1, func() {
		if _, _, err := Archives(p); err != nil {
			t.Fatal(err)
		}
	})
	first, second := one-base, both-one
	t.Logf("allocations: emit and tree %.0f, unmanaged archive %.0f, managed archive %.0f", base, first, second)
	if second > first/4 {
		t.Errorf("the managed archive allocates %.0f times, the unmanaged one %.0f: want at most a quarter", second, first)
	}
}

// TestWriteArchivesIsWriteArchiveTwice: WriteArchives writes byte for
// byte what WriteArchive writes for each flavour, for a tree with
// managed-only variants too.
func TestWriteArchivesIsWriteArchiveTwice(t *testing.T) {
	p := loadExample(t)
	em, err := emitProject(p)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ProjectTree(p, em)
	if err != nil {
		t.Fatal(err)
	}
	variants, err := ProjectTree(p, em)
	if err != nil {
		t.Fatal(err)
	}
	// A managed-only form, as SolutionPackager's "Both" extract writes them.
	var entity string
	for _, path := range variants.Paths() {
		if strings.HasPrefix(path, "Entities/") && strings.HasSuffix(path, "/Entity.xml") {
			entity = strings.TrimSuffix(path, "Entity.xml")
			break
		}
	}
	form := `<forms><systemform><formid>{f9}</formid></systemform></forms>`
	if err := variants.AddBytes(entity+"FormXml/card/{f9}_managed.xml", []byte(form)); err != nil {
		t.Fatal(err)
	}
	for name, tr := range map[string]*Tree{"plain": plain, "with variants": variants} {
		var u, m, wantU, wantM bytes.Buffer
		if err := WriteArchives(tr, &u, &m); err != nil {
			t.Fatal(err)
		}
		if err := WriteArchive(&wantU, tr, false); err != nil {
			t.Fatal(err)
		}
		if err := WriteArchive(&wantM, tr, true); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(u.Bytes(), wantU.Bytes()) || !bytes.Equal(m.Bytes(), wantM.Bytes()) {
			t.Errorf("%s: WriteArchives differs from WriteArchive (unmanaged equal %t, managed equal %t)",
				name, bytes.Equal(u.Bytes(), wantU.Bytes()), bytes.Equal(m.Bytes(), wantM.Bytes()))
		}
		if bytes.Equal(u.Bytes(), m.Bytes()) {
			t.Errorf("%s: both archives are the same", name)
		}
	}
}
