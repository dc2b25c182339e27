// Package unpack turns a Dataverse solution — an archive bpfc built, a real
// Dataverse export, or an unpacked SolutionPackager tree — into a bpfc
// project: Read gives the checked compiler.Project and the warnings, and
// WriteHCL (Render) writes it as HCL files in `bpfc fmt`'s form.
//
// Inputs are read with solution.ReadArchive / ReadTree and solution.ParseXML,
// so hostile archives (paths escaping the root, links, duplicates, bombs,
// DTDs, non-UTF-8 text) are refused before anything is interpreted, and
// expressions carried by the bpfc extension are parsed and re-rendered,
// never copied into the HCL as text.
//
// What is read: the solution and publisher (solution.xml); business process
// flows from their XAML and metadata record (stages in order with their
// tables, steps and their columns, required flags, categories, labels,
// branches rebuilt from ConditionSequence activities or bpfc:Condition,
// next stages, stage relationships, action steps, stage and process
// triggers, order, state, unique name); the classic workflows bpfc writes;
// security roles (privileges on flow instance tables become grants);
// environment variable definitions; custom tables and the custom columns of
// standard tables (Entity.xml), lookup targets from the relationships
// (Other/Relationships/*.xml or <EntityRelationships>; without one, a guess
// from the column's name, reported); tables the solution uses without carrying
// them become external tables with the columns its flows use, typed from
// the step control classes and condition literals.
//
// Names: an archive bpfc built carries the names of its flows, stages,
// steps, workflows and workflow steps, and each flow's owner, in the bpfc
// extension of the XAML (bpfc:Name, bpfc:Owner; see emit.ExtensionNamespace),
// and those are used. Without them (a real export, or one that went through
// Dataverse, which drops the extension) the original name of a flow, stage,
// step, workflow or role is recovered where it can be: bpfc derives
// component ids from names (compiler.ID), so the candidate — from its
// labels, its column, the flow's unique name — that derives its id is the
// name. Other components get names made from their labels: lowercase
// [a-z0-9_], unique in their scope, each reported. So unpacking an archive
// bpfc built gives a project with the same digest (compiler.Project.Digest).
//
// Nothing is dropped silently: every construct not expressed, and every
// assumption (a lookup target, an invented relationship of a draft flow),
// is a Warning naming the component and the file.
package unpack
