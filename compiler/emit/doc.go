// Package emit turns a checked compiler.Project into the files Dataverse writes for it:
// business process flow and workflow XAML with their .xaml.data.xml records, instance
// and custom table Entity.xml, the bpf_duration formula, the 1:N relationships behind
// declared and instance-table lookups (Other/Relationships, filed by referenced table as
// SolutionPackager files them), and a JSON schema for the runtime.
//
// Entry points: Files (every file of the unpacked solution tree), Relationships, Schema,
// DataverseWarnings.
// Output is deterministic: attributes in a declared order, counters in document order,
// no timestamps. Constructs Dataverse cannot encode, and the names and owners Dataverse
// has no field for, use the bpfc extension namespace (ExtensionNamespace) in XAML only,
// declared mc:Ignorable so Dataverse's XAML reader skips them.
package emit
