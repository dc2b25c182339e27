package engine

import (
	"strings"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
)

// CanonicalID is a record's or an instance's id as the store keeps it: a
// GUID in lower case without braces, whatever form a client wrote it in
// (Dataverse takes upper case and {braces}); anything else as given.
func CanonicalID(s string) string {
	if t := strings.TrimSpace(s); compiler.IsID(t) {
		return compiler.CanonicalID(t)
	}
	return s
}

// IsID: s is a GUID in any of the forms CanonicalID takes.
func IsID(s string) bool {
	c := CanonicalID(s)
	return len(c) == 36 && uuid.Validate(c) == nil
}
