package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpfc/bpfc/solution"
	"github.com/spf13/cobra"
)

type packOptions struct {
	out     string
	managed bool
}

func newPackCmd(g *globals) *cobra.Command {
	o := &packOptions{}
	cmd := &cobra.Command{
		Use:   "pack DIR -o ARCHIVE",
		Short: "Pack an unpacked solution tree into a solution archive",
		Long: "pack folds an unpacked solution tree (SolutionPackager's layout: bpfc's dist/solution or a\n" +
			"real SolutionPackager extract) into an archive in Dataverse's entry order. The archive is\n" +
			"managed when the tree's Solution.xml says Managed 1. A tree of both flavours (Managed 2,\n" +
			"SolutionPackager's \"Both\" extract) packs unmanaged, with a warning, unless --managed\n" +
			"chooses (--managed=false: unmanaged, said so); a tree of one flavour packs only as that.\n\n" +
			"--output json prints {archive, managed, entries: [the archive's entry names, in order],\n" +
			"warnings: [text]}.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var managed *bool
			if cmd.Flags().Changed("managed") {
				managed = &o.managed
			}
			return runPack(g, o, args[0], managed)
		},
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "archive to write (required; relative to the -C directory)")
	cmd.Flags().BoolVar(&o.managed, "managed", false, "pack a tree of both flavours (Managed 2) as managed; --managed=false as unmanaged")
	return cmd
}

// packResult is the JSON shape of `bpfc pack --output json`.
type packResult struct {
	Archive  string   `json:"archive"`
	Managed  bool     `json:"managed"`
	Entries  []string `json:"entries"`
	Warnings []string `json:"warnings"` // as unpack's: on stderr in text, here in JSON
}

// runPack packs tree dir; managed, when not nil, is the flavour --managed
// chose.
func runPack(g *globals, o *packOptions, dir string, managed *bool) error {
	if o.out == "" {
		return usageErr("pack: -o ARCHIVE is required")
	}
	// The tree is found as other inputs are (as given, else under -C); the
	// archive goes where build's outputs go: under -C.
	given := dir
	dir = inputPath(g.dir, dir)
	out := g.path(o.out)
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return usageErr("pack: -o %s is a directory: name the archive to write, e.g. %s", out, filepath.Join(out, "solution.zip"))
	}
	if fi, err := os.Stat(dir); err != nil {
		return pathError(reading, "pack "+dir, dir, err, "give an unpacked solution tree (a directory with Other/Solution.xml, as bpfc build writes dist/solution)")
	} else if !fi.IsDir() {
		return &exitError{code: 1, msg: fmt.Sprintf("%s is a file; pack takes an unpacked solution tree (a directory with Other/Solution.xml, as bpfc build writes dist/solution)", dir)}
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(absDir, absOut); err == nil && !strings.HasPrefix(rel, "..") {
		return &exitError{code: 1, msg: fmt.Sprintf("%s is inside the tree %s it would pack; write the archive elsewhere", out, dir)}
	}
	if err := isSolutionTree(given, dir); err != nil {
		return err
	}
	var buf bytes.Buffer
	own, err := solution.PackAs(dir, &buf, managed)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("pack %s: %v", dir, err)}
	}
	warns := []string{}
	if own == "2" && managed == nil {
		// Both flavours in the tree: packing one without a word rewrote
		// Managed to 0, and a managed environment then refused it.
		warns = append(warns, fmt.Sprintf("%s/%s says Managed 2 (both flavours): packed the unmanaged one; --managed packs the managed one (--managed=false unmanaged, without this warning)",
			dir, solution.SolutionXMLPath))
	}
	// Read the result back: what pack writes must be an archive bpfc accepts.
	a, err := solution.ReadArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return fmt.Errorf("pack: the archive does not read back: %w", err)
	}
	isManaged := false
	if doc, err := a.XML("solution.xml"); err == nil {
		if m := doc.FindElement("//SolutionManifest/Managed"); m != nil {
			isManaged = strings.TrimSpace(m.Text()) == "1"
		}
	}
	if err := writeOutFile(out, buf.Bytes()); err != nil {
		return pathError(writing, "pack -o "+out, out, err, "give a path for the archive in a directory this user may write")
	}
	res := packResult{Archive: out, Managed: isManaged, Entries: a.Names(), Warnings: warns}
	if g.output == "json" {
		return writeJSON(g.stdout, res)
	}
	for _, w := range warns {
		fmt.Fprintf(g.stderr, "warning: %s\n", w)
	}
	kind := "unmanaged"
	if isManaged {
		kind = "managed"
	}
	fmt.Fprintf(g.stdout, "Packed %s into %s (%s, %d entries).\n", dir, out, kind, len(res.Entries))
	return nil
}

// isSolutionTree refuses a directory without the two files every solution
// tree has, naming the directory it looked in (given as it was, or under
// -C), what a tree is and what makes one: "Other/Solution.xml: not in the
// solution tree" told none of that.
func isSolutionTree(given, dir string) error {
	for _, name := range []string{"Solution.xml", "Customizations.xml"} {
		if _, err := os.Stat(filepath.Join(dir, "Other", name)); err == nil {
			continue
		}
		where := dir
		if filepath.Clean(given) != filepath.Clean(dir) {
			where += " (" + given + " under -C)"
		}
		msg := fmt.Sprintf("pack %s: %s is not an unpacked solution tree: it has no Other/%s\n"+
			"  a solution tree is an archive unpacked in SolutionPackager's layout (Other/Solution.xml, Other/Customizations.xml,\n"+
			"  a folder per kind of component): bpfc build writes one to dist/solution, pac solution unpack extracts one from\n"+
			"  an archive (bpfc unpack writes a bpfc project, not a tree)", given, where, name)
		if _, err := os.Stat(filepath.Join(dir, "bpfc.hcl")); err == nil {
			msg += fmt.Sprintf("\n  %s is a bpfc project: run bpfc -C %s build, then pack %s", dir, dir, filepath.Join(dir, "dist", "solution"))
		}
		return &exitError{code: 1, msg: msg}
	}
	return nil
}
