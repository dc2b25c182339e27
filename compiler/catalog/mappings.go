package catalog

// Mapping is one column mapping of a standard relationship: a record
// created in the context of a record of the relationship's other table
// starts with Target set to that record's Source.
type Mapping struct {
	Source, Target string
}

// mappings are the column mappings Dataverse documents for the standard
// tables' relationships, by "<table>.<lookup>" of the table the new record
// is on. Lead to opportunity: Topic, Account and Contact, as "Define the
// lead qualification experience" lists them (Dynamics 365 Sales, field
// mappings to other entities). Only documented mappings are listed; a
// guessed one would fill a column Dataverse leaves empty.
var mappings = map[string][]Mapping{
	"opportunity.originatingleadid": {
		{Source: "subject", Target: "name"},
		{Source: "parentaccountid", Target: "parentaccountid"},
		{Source: "parentcontactid", Target: "parentcontactid"},
	},
}

// Mappings are the column mappings of the relationship behind lookup
// column of standard table, when Dataverse documents them.
func Mappings(table, column string) ([]Mapping, bool) {
	m, ok := mappings[table+"."+column]
	return m, ok
}
