// Package solution turns a checked bpfc project into a Dataverse solution: the
// unpacked SolutionPackager tree, the managed and unmanaged archives Dataverse
// imports, and build.json. Entry points: Build, Pack, WriteArchive, WriteArchives, CreateSettings.
package solution
