package solution

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/beevik/etree"
)

// Limits on what ReadArchive and ReadTree accept. Real exports are far
// below them (the largest conformance archive holds 9 entries and 700 KB).
const (
	maxEntries   = 20000
	maxEntrySize = 256 << 20 // uncompressed bytes per entry
	maxTotalSize = 1 << 30   // uncompressed bytes in all
	maxRatio     = 200       // uncompressed:compressed, for entries over ratioFloor
	ratioFloor   = 1 << 20
	maxXMLDepth  = 512
)

// Archive is the content of a solution archive, entry by entry, as read by
// ReadArchive.
type Archive struct {
	entries map[string][]byte
	names   []string // in archive order
}

// Names lists the entries in archive order.
func (a *Archive) Names() []string { return append([]string(nil), a.names...) }

// File returns an entry's bytes, or nil when there is none.
func (a *Archive) File(name string) []byte { return a.entries[name] }

// XML parses an entry (BOM dropped, DTDs refused).
func (a *Archive) XML(name string) (*etree.Document, error) {
	b, ok := a.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: not in the archive", name)
	}
	doc, err := parseXML(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return doc, nil
}

// ReadArchiveFile opens and reads the archive at path.
func ReadArchiveFile(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a, err := ReadArchive(f, info.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// ReadArchive reads a solution archive defensively: entry names must be
// clean relative paths (no absolute paths, drive letters, backslashes or
// ".." segments), unique regardless of case, and regular files (symbolic
// links and encrypted entries are refused); entry count, sizes and
// compression ratios are bounded; solution.xml and customizations.xml must be
// present and well-formed XML without a DTD. Directory entries are ignored.
func ReadArchive(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%d entries: more than %d", len(zr.File), maxEntries)
	}
	a := &Archive{entries: map[string][]byte{}}
	seen := map[string]string{}
	var total uint64
	for _, f := range zr.File {
		name := f.Name
		if strings.HasSuffix(name, "/") && f.UncompressedSize64 == 0 {
			if err := checkRelPath(strings.TrimSuffix(name, "/")); err != nil {
				return nil, fmt.Errorf("entry %q: %w", name, err)
			}
			continue
		}
		if err := checkRelPath(name); err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		if prev, dup := seen[strings.ToLower(name)]; dup {
			return nil, fmt.Errorf("entry %q: duplicate of %q", name, prev)
		}
		seen[strings.ToLower(name)] = name
		mode := f.Mode()
		if mode&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("entry %q: symbolic link", name)
		}
		if mode&fs.ModeType&^fs.ModeDir != 0 || mode.IsDir() {
			return nil, fmt.Errorf("entry %q: not a regular file", name)
		}
		if f.Flags&0x1 != 0 {
			return nil, fmt.Errorf("entry %q: encrypted", name)
		}
		if f.UncompressedSize64 > maxEntrySize {
			return nil, fmt.Errorf("entry %q: %d bytes, more than %d", name, f.UncompressedSize64, maxEntrySize)
		}
		if total += f.UncompressedSize64; total > maxTotalSize {
			return nil, fmt.Errorf("more than %d bytes uncompressed", maxTotalSize)
		}
		if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64 > maxRatio*max(f.CompressedSize64, 1) {
			return nil, fmt.Errorf("entry %q: compression ratio above %d:1", name, maxRatio)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		// Never trust the declared size: read at most one byte more.
		data, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		if uint64(len(data)) != f.UncompressedSize64 {
			return nil, fmt.Errorf("entry %q: size differs from its header", name)
		}
		a.entries[name] = data
		a.names = append(a.names, name)
	}
	for _, req := range []string{"solution.xml", "customizations.xml"} {
		if _, ok := a.entries[req]; !ok {
			return nil, fmt.Errorf("not a solution archive: no %s at its root", req)
		}
		if _, err := a.XML(req); err != nil {
			return nil, err
		}
	}
	return a, nil
}
