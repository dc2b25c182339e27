package solution

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Archive conventions (what Dataverse's exports look like, and what makes a
// build reproducible):
//   - entries: customizations.xml, solution.xml, the other parts sorted by
//     name, [Content_Types].xml last; no directory entries;
//   - every entry deflated at maximum compression (general purpose flag 0x2,
//     as Dataverse sets it), sizes and CRC in the local header (no data
//     descriptors), no extra fields, no comment;
//   - "made by" 4.5 on MS-DOS/FAT with external attributes 0, as Dataverse
//     writes them, so no Unix modes are recorded (unzip creates 0644 files);
//   - every entry has the same modification time: SOURCE_DATE_EPOCH (seconds
//     since 1970, taken as UTC) when set, else 1980-01-01 00:00:00, the
//     earliest time a zip can record. The time zone never enters.
//   - XML entries have no BOM and no declaration, CRLF line endings and a
//     two-space indent; [Content_Types].xml has a BOM and a declaration and
//     is one line.

// DefaultModTime is the entry time of archives built without SOURCE_DATE_EPOCH.
var DefaultModTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// ModTime is the entry time of archives: SOURCE_DATE_EPOCH when set, else
// DefaultModTime. Times outside what a zip can record (1980-2107) are clamped.
func ModTime() (time.Time, error) {
	s, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || s == "" {
		return DefaultModTime, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
	}
	t := time.Unix(n, 0).UTC()
	if t.Before(DefaultModTime) {
		t = DefaultModTime
	}
	if last := time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC); t.After(last) {
		t = last
	}
	return t, nil
}

// WriteArchive writes tree as a solution archive that Dataverse imports:
// managed or unmanaged. As in Dataverse's own exports, the manifest's Managed
// flag is the only difference: IsCustomizable and the other managed
// properties keep their authored values (a managed export of a customizable
// component still says 1), and the XAML is identical.
// The split files of the tree are merged into customizations.xml; see mergeTree
// and the archive conventions above.
func WriteArchive(w io.Writer, tree *Tree, managed bool) error {
	m, err := mergeTree(tree, &managed)
	if err != nil {
		return err
	}
	return writeMerged(w, m)
}

// Pack packs an unpacked solution tree on disk (ours or SolutionPackager's)
// into an archive in Dataverse's order. The archive is managed when the
// tree's manifest says Managed 1, unmanaged for 0 or 2.
func Pack(dir string, w io.Writer) error {
	_, err := PackAs(dir, w, nil)
	return err
}

// PackAs is Pack choosing the flavour of a tree that has both (Managed 2,
// SolutionPackager's "Both" extract): managed nil packs it unmanaged, as
// Pack does. A tree of one flavour packs only as that one: the other's
// files (*_managed.xml and their twins) are not in it. It returns the
// tree's own Managed value ("0", "1" or "2").
func PackAs(dir string, w io.Writer, managed *bool) (string, error) {
	t, err := ReadTree(dir)
	if err != nil {
		return "", err
	}
	sol, err := t.XML(SolutionXMLPath)
	if err != nil {
		return "", err
	}
	own := ""
	if e := sol.FindElement("/ImportExportXml/SolutionManifest/Managed"); e != nil {
		own = strings.TrimSpace(e.Text())
	}
	if managed != nil && (own == "0" || own == "1") && *managed != (own == "1") {
		flavour := map[string]string{"0": "unmanaged", "1": "managed"}[own]
		return own, fmt.Errorf("%s says Managed %s: the tree is %s only, and packs only as that (a tree of both flavours says Managed 2)",
			SolutionXMLPath, own, flavour)
	}
	m, err := mergeTree(t, managed)
	if err != nil {
		return own, err
	}
	return own, writeMerged(w, m)
}

func writeMerged(w io.Writer, m *merged) error {
	entries, compressed, mod, err := packMerged(m)
	if err != nil {
		return err
	}
	return writeZip(w, entries, compressed, mod)
}

// packMerged serialises and compresses a merged tree's entries, with the
// time the archive's entries are dated.
func packMerged(m *merged) (entries []part, compressed [][]byte, mod time.Time, err error) {
	if mod, err = ModTime(); err != nil {
		return nil, nil, mod, err
	}
	if entries, err = archiveEntries(m); err != nil {
		return nil, nil, mod, err
	}
	compressed, err = deflateAll(entries)
	return entries, compressed, mod, err
}

// WriteArchives writes tree's unmanaged and managed archives, byte for
// byte what WriteArchive writes for each. The tree is merged, and every
// entry serialised and compressed, once for both: only the manifest's
// Managed flag differs. A tree with managed-only variants (*_managed.xml)
// is merged once per flavour, as its customizations differ.
func WriteArchives(tree *Tree, unmanaged, managed io.Writer) error {
	isManaged := false
	m, err := mergeTree(tree, &isManaged)
	if err != nil {
		return err
	}
	entries, compressed, mod, err := packMerged(m)
	if err != nil {
		return err
	}
	if err := writeZip(unmanaged, entries, compressed, mod); err != nil {
		return err
	}
	if hasVariants(tree) {
		return WriteArchive(managed, tree, true)
	}
	isManaged = true
	if _, err := setManaged(m.solution, &isManaged); err != nil {
		return fmt.Errorf("%s: %w", SolutionXMLPath, err)
	}
	sol, err := marshalXML(m.solution, bare)
	if err != nil {
		return fmt.Errorf("solution.xml: %w", err)
	}
	comp, err := deflate(sol)
	if err != nil {
		return err
	}
	entries[solutionEntry].data, compressed[solutionEntry] = sol, comp
	return writeZip(managed, entries, compressed, mod)
}

// solutionEntry is the index of solution.xml in archiveEntries' list.
const solutionEntry = 1

// archiveEntries serialises a merged tree as the entries of its archive,
// in order: customizations.xml, solution.xml, the parts, [Content_Types].xml.
func archiveEntries(m *merged) ([]part, error) {
	cust, err := marshalXML(m.customizations, bare)
	if err != nil {
		return nil, fmt.Errorf("customizations.xml: %w", err)
	}
	sol, err := marshalXML(m.solution, bare)
	if err != nil {
		return nil, fmt.Errorf("solution.xml: %w", err)
	}
	entries := []part{{"customizations.xml", cust}, {"solution.xml", sol}}
	for _, p := range m.parts {
		switch strings.ToLower(p.name) {
		case "customizations.xml", "solution.xml", "[content_types].xml":
			return nil, fmt.Errorf("%s: reserved archive entry name", p.name)
		}
		entries = append(entries, p)
	}
	return append(entries, part{"[Content_Types].xml", contentTypes(entries)}), nil
}

// contentTypes builds [Content_Types].xml: one Default per extension, in
// order of first use, all application/octet-stream; an Override for every
// entry without an extension.
func contentTypes(entries []part) []byte {
	var b xmlOut
	b.WriteString(bom + xmlDecl)
	b.WriteString(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	seen := map[string]bool{}
	var overrides []string
	for _, e := range entries {
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(path.Base(e.name)), "."))
		if ext == "" {
			overrides = append(overrides, "/"+e.name)
			continue
		}
		if seen[ext] {
			continue
		}
		seen[ext] = true
		b.WriteString(`<Default Extension="`)
		_ = escapeAttr(&b, ext)
		b.WriteString(`" ContentType="application/octet-stream" />`)
	}
	for _, o := range overrides {
		b.WriteString(`<Override PartName="`)
		_ = escapeAttr(&b, o)
		b.WriteString(`" ContentType="application/octet-stream" />`)
	}
	b.WriteString(`</Types>`)
	return b.Bytes()
}

// writeZip writes the entries in order, compressed[i] the deflated data of
// entries[i], with fixed metadata (see the archive conventions above).
func writeZip(w io.Writer, entries []part, compressed [][]byte, mod time.Time) error {
	date, tm := msDosTime(mod)
	zw := zip.NewWriter(w)
	seen := map[string]bool{}
	for i, e := range entries {
		if err := checkRelPath(e.name); err != nil {
			return err
		}
		if seen[strings.ToLower(e.name)] {
			return fmt.Errorf("%s: duplicate archive entry", e.name)
		}
		seen[strings.ToLower(e.name)] = true

		comp := compressed[i]
		fh := &zip.FileHeader{
			Name:               e.name,
			Method:             zip.Deflate,
			Flags:              0x2, // deflate, maximum compression
			CreatorVersion:     45,  // 4.5, MS-DOS/FAT
			ReaderVersion:      20,
			CRC32:              crc32.ChecksumIEEE(e.data),
			CompressedSize64:   uint64(len(comp)),
			UncompressedSize64: uint64(len(e.data)),
			ModifiedDate:       date, // set directly: Modified would add an extra field
			ModifiedTime:       tm,
		}
		if !isASCII(e.name) && utf8.ValidString(e.name) {
			fh.Flags |= 0x800 // the name is UTF-8
		}
		ew, err := zw.CreateRaw(fh)
		if err != nil {
			return err
		}
		if _, err := ew.Write(comp); err != nil {
			return err
		}
	}
	return zw.Close()
}

// msDosTime encodes t (already UTC) as MS-DOS date and time (2-second resolution).
func msDosTime(t time.Time) (date, tm uint16) {
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// deflateAll compresses every entry at maximum compression, as Dataverse
// does, on all cores: deflate dominates the cost of a build. The output
// depends only on the data, so parallelism never changes the bytes.
func deflateAll(entries []part) ([][]byte, error) {
	out := make([][]byte, len(entries))
	errs := make([]error, len(entries))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(entries)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = deflate(entries[i].data)
			}
		}()
	}
	for i := range entries {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// flateWriters are compressors to reuse: a new one allocates and clears
// its ~1 MB of state, for every entry of a build.
var flateWriters = sync.Pool{New: func() any {
	fw, _ := flate.NewWriter(nil, flate.BestCompression) // the level is valid: no error
	return fw
}}

func deflate(data []byte) ([]byte, error) {
	var comp bytes.Buffer
	comp.Grow(len(data)/8 + 64) // XAML deflates to about a tenth
	fw := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(fw)
	fw.Reset(&comp)
	if _, err := fw.Write(data); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	return comp.Bytes(), nil
}
