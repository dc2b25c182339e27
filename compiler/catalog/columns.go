package catalog

// Constructors for the column kinds, so that the table data reads as a list.

func id(name, display string) Column {
	return Column{Name: name, DisplayName: display, Type: "uniqueidentifier"}
}

func text(name, display string, maxLength int) Column {
	return Column{Name: name, DisplayName: display, Type: "string", MaxLength: maxLength}
}

func memo(name, display string, maxLength int) Column {
	return Column{Name: name, DisplayName: display, Type: "memo", MaxLength: maxLength}
}

func email(name, display string, maxLength int) Column {
	return Column{Name: name, DisplayName: display, Type: "email", MaxLength: maxLength}
}

func integer(name, display string) Column {
	return Column{Name: name, DisplayName: display, Type: "integer"}
}

func decimal(name, display string) Column {
	return Column{Name: name, DisplayName: display, Type: "decimal"}
}

func money(name, display string) Column {
	return Column{Name: name, DisplayName: display, Type: "money"}
}

func boolean(name, display string) Column {
	return Column{Name: name, DisplayName: display, Type: "boolean"}
}

func datetime(name, display string) Column {
	return Column{Name: name, DisplayName: display, Type: "datetime"}
}

func choice(name, display string, options []Option) Column {
	return Column{Name: name, DisplayName: display, Type: "choice", Options: options}
}

func lookup(name, display, target string) Column {
	return Column{Name: name, DisplayName: display, Type: "lookup", Target: target}
}

// polymorphic is a lookup to one of several tables (regardingobjectid); only the
// targets that are in the catalog are listed.
func polymorphic(name, display string, targets ...string) Column {
	return Column{Name: name, DisplayName: display, Type: "lookup", Target: targets[0], Targets: targets}
}

// customer is Dataverse's customer column: a lookup to an account or a contact.
func customer(name, display string) Column {
	return Column{Name: name, DisplayName: display, Type: "customer", Target: "account", Targets: []string{"account", "contact"}}
}

func state(display string, options []Option) Column {
	return Column{Name: "statecode", DisplayName: display, Type: "state", Options: options}
}

func status(options []Option) Column {
	return Column{Name: "statuscode", DisplayName: "Status Reason", Type: "status", Options: options}
}

func required(c Column) Column {
	c.Required = true
	return c
}

// audit is the record-keeping columns of every user-owned table.
func audit() []Column {
	return []Column{
		lookup("createdby", "Created By", "systemuser"),
		datetime("createdon", "Created On"),
		lookup("modifiedby", "Modified By", "systemuser"),
		datetime("modifiedon", "Modified On"),
		lookup("ownerid", "Owner", "systemuser"),
	}
}

// cols joins column lists.
func cols(lists ...[]Column) []Column {
	var out []Column
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Option sets shared by several tables.
var (
	activeInactiveState  = []Option{{"Active", 0}, {"Inactive", 1}}
	activeInactiveStatus = []Option{{"Active", 1}, {"Inactive", 2}}

	purchaseTimeframeOptions = []Option{{"Immediate", 0}, {"This Quarter", 1}, {"Next Quarter", 2}, {"This Year", 3}, {"Unknown", 4}}
	purchaseProcessOptions   = []Option{{"Individual", 0}, {"Committee", 1}, {"Unknown", 2}}
	budgetStatusOptions      = []Option{{"No Committed Budget", 0}, {"May Buy", 1}, {"Can Buy", 2}, {"Will Buy", 3}}
	needOptions              = []Option{{"Must have", 0}, {"Should have", 1}, {"Good to have", 2}, {"No need", 3}}
	initialContactOptions    = []Option{{"Contacted", 0}, {"Not Contacted", 1}}
	ratingOptions            = []Option{{"Hot", 1}, {"Warm", 2}, {"Cold", 3}}
	contactMethodOptions     = []Option{{"Any", 1}, {"Email", 2}, {"Phone", 3}, {"Fax", 4}, {"Mail", 5}}

	industryOptions = []Option{
		{"Accounting", 1},
		{"Agriculture and Non-petrol Natural Resource Extraction", 2},
		{"Broadcasting Printing and Publishing", 3},
		{"Brokers", 4},
		{"Building Supply Retail", 5},
		{"Business Services", 6},
		{"Consulting", 7},
		{"Consumer Services", 8},
		{"Design, Direction and Creative Management", 9},
		{"Distributors, Dispatchers and Processors", 10},
		{"Doctor's Offices and Clinics", 11},
		{"Durable Manufacturing", 12},
		{"Eating and Drinking Places", 13},
		{"Entertainment Retail", 14},
		{"Equipment Rental and Leasing", 15},
		{"Financial", 16},
		{"Food and Tobacco Processing", 17},
		{"Inbound Capital Intensive Processing", 18},
		{"Inbound Repair and Services", 19},
		{"Insurance", 20},
		{"Legal Services", 21},
		{"Non-Durable Merchandise Retail", 22},
		{"Outbound Consumer Service", 23},
		{"Petrochemical Extraction and Distribution", 24},
		{"Service Retail", 25},
		{"SIG Affiliations", 26},
		{"Social Services", 27},
		{"Special Outbound Trade Contractors", 28},
		{"Specialty Realty", 29},
		{"Transportation", 30},
		{"Utility Creation and Distribution", 31},
		{"Vehicle Retail", 32},
		{"Wholesale", 33},
	}
)
