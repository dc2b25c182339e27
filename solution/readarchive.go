package solution

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Limits on what ReadArchive and ReadTree accept. Real exports are far
// below them (the largest conformance archive holds 9 entries and 700 KB).
const (
	maxEntries   = 20000
	maxEntrySize = 256 << 20 // uncompressed bytes per entry
	maxTotalSize = 1 << 30   // uncompressed bytes in all
	maxRatio     = 200       // uncompressed:compressed, for entries (and the whole archive) over ratioFloor
	ratioFloor   = 1 << 20
	maxXMLDepth  = 512
	// The most attributes of an element (a generated flow's XAML has 20
	// at most).
	maxXMLAttrs = 1000
	// An archive's documents together hold at most maxXMLNodes, or
	// nodesPerByte nodes per byte of the archive if that is more: a real
	// export's XML compresses to about one byte per node or more.
	nodesPerByte = 4
)

// maxXMLNodes bounds the nodes (elements, attributes, texts) of one XML
// document, each some 250 bytes in memory: a generated flow of 30 stages
// of 30 steps is about 50,000 nodes of XAML. (A variable for tests.)
var maxXMLNodes = 2_000_000

// ParseXML parses one XML document of a solution as every bpfc reader does:
// UTF-8 only (a UTF-16 byte-order mark, an encoding declaration naming
// anything else, or invalid UTF-8 bytes are refused), a leading UTF-8 BOM
// dropped, no DTD and so no entity declarations, nesting bounded. Errors say
// why; callers add the file or entry name.
func ParseXML(data []byte) (*etree.Document, error) {
	budget := maxXMLNodes
	return parseDocument(data, &budget)
}

// parseDocument is ParseXML, its nodes spent from budget.
func parseDocument(data []byte, budget *int) (*etree.Document, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return nil, fmt.Errorf("UTF-16 text (byte-order mark); only UTF-8 is accepted")
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}):
		return nil, fmt.Errorf("UTF-32 text (byte-order mark); only UTF-8 is accepted")
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, fmt.Errorf("not UTF-8: invalid byte 0x%02X at offset %d", data[off], off)
	}
	return parseXML(data, budget)
}

// Archive is the content of a solution archive, entry by entry, as read by
// ReadArchive.
type Archive struct {
	entries map[string][]byte
	names   []string // in archive order
	nodes   int      // what its documents may still hold (maxXMLNodes)
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
	doc, err := parseDocument(b, &a.nodes)
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
// clean relative paths in UTF-8 (no absolute paths, drive letters,
// backslashes or ".." segments), unique regardless of case, and regular
// files (symbolic links and encrypted entries are refused); entry count,
// sizes and compression ratios (per entry and for the whole archive) are
// bounded, and no entry may decompress to more than its header says;
// solution.xml and customizations.xml must be present and well-formed UTF-8
// XML without a DTD. Directory entries are ignored. Every refusal names the
// entry. Nothing is written anywhere: entries are held in memory.
func ReadArchive(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%d entries: more than %d", len(zr.File), maxEntries)
	}
	a := &Archive{entries: map[string][]byte{}, nodes: max(maxXMLNodes, int(min(nodesPerByte*size, 1<<40)))}
	seen := map[string]string{}
	var total, compressed uint64
	for _, f := range zr.File {
		name := f.Name
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("entry %q: name is not UTF-8", name)
		}
		if f.CompressedSize64 > uint64(size) {
			return nil, fmt.Errorf("entry %q: compressed size %d is larger than the archive", name, f.CompressedSize64)
		}
		if strings.HasSuffix(name, "/") && f.UncompressedSize64 == 0 {
			if err := checkRelPath(strings.TrimSuffix(name, "/")); err != nil {
				return nil, fmt.Errorf("entry %w", err) // checkRelPath's err names it
			}
			continue
		}
		if err := checkRelPath(name); err != nil {
			return nil, fmt.Errorf("entry %w", err) // checkRelPath's err names it
		}
		if prev, dup := seen[strings.ToLower(name)]; dup {
			if prev == name {
				return nil, fmt.Errorf("entry %q is in the archive twice", name)
			}
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
			return nil, fmt.Errorf("entry %q: more than %d bytes uncompressed in all", name, maxTotalSize)
		}
		if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64 > maxRatio*max(f.CompressedSize64, 1) {
			return nil, fmt.Errorf("entry %q: compression ratio above %d:1", name, maxRatio)
		}
		// Many small entries can add up to a bomb each of them is not.
		if compressed += f.CompressedSize64; total > ratioFloor && total > maxRatio*max(compressed, 1) {
			return nil, fmt.Errorf("entry %q: the archive's compression ratio is above %d:1", name, maxRatio)
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
