package catalog

// The tables of customer service: incident (Case) and phonecall.

var incident = Table{
	Name: "incident", SchemaName: "Incident", DisplayName: "Case", EntitySetName: "incidents",
	PrimaryKey: "incidentid", PrimaryColumn: "title", ObjectTypeCode: 112,
	Columns: cols(audit(), []Column{
		id("incidentid", "Case"),
		// activitiescomplete, checkemail and followuptaskcreated are the columns
		// Dataverse keeps for its sample service business processes.
		boolean("activitiescomplete", "Activities Complete"),
		integer("actualserviceunits", "Actual Service Units"),
		integer("billedserviceunits", "Billed Service Units"),
		choice("caseorigincode", "Origin", []Option{{"Phone", 1}, {"Email", 2}, {"Web", 3}, {"Facebook", 2483}, {"Twitter", 3986}}),
		choice("casetypecode", "Case Type", []Option{{"Question", 1}, {"Problem", 2}, {"Request", 3}}),
		boolean("checkemail", "Check Email"),
		choice("contractservicelevelcode", "Service Level", []Option{{"Gold", 1}, {"Silver", 2}, {"Bronze", 3}}),
		boolean("customercontacted", "Customer Contacted"),
		required(customer("customerid", "Customer")),
		choice("customersatisfactioncode", "Satisfaction", []Option{
			{"Very Dissatisfied", 1}, {"Dissatisfied", 2}, {"Neutral", 3}, {"Satisfied", 4}, {"Very Satisfied", 5},
		}),
		memo("description", "Description", 2000),
		email("emailaddress", "Email Address", 100),
		lookup("existingcase", "Existing Case", "incident"),
		boolean("firstresponsesent", "First Response Sent"),
		datetime("followupby", "Follow Up By"),
		boolean("followuptaskcreated", "Follow up Task Created"),
		boolean("isescalated", "Is Escalated"),
		lookup("masterid", "Master Case", "incident"),
		lookup("parentcaseid", "Parent Case", "incident"),
		lookup("primarycontactid", "Contact", "contact"),
		choice("prioritycode", "Priority", []Option{{"High", 1}, {"Normal", 2}, {"Low", 3}}),
		text("productserialnumber", "Serial Number", 100),
		datetime("resolveby", "Resolve By"),
		datetime("responseby", "First Response By"),
		lookup("responsiblecontactid", "Responsible Contact", "contact"),
		boolean("routecase", "Route Case"),
		choice("servicestage", "Service Stage", []Option{{"Identify", 0}, {"Research", 1}, {"Resolve", 2}}),
		state("Status", []Option{{"Active", 0}, {"Resolved", 1}, {"Canceled", 2}}),
		status([]Option{
			{"In Progress", 1}, {"On Hold", 2}, {"Waiting for Details", 3}, {"Researching", 4},
			{"Problem Solved", 5}, {"Cancelled", 6}, {"Information Provided", 1000}, {"Merged", 2000},
		}),
		text("ticketnumber", "Case Number", 100),
		required(text("title", "Case Title", 200)),
	}),
}

// phonecall is an activity: its primary key is activityid, as in Dataverse.
var phonecall = Table{
	Name: "phonecall", SchemaName: "PhoneCall", DisplayName: "Phone Call", EntitySetName: "phonecalls",
	PrimaryKey: "activityid", PrimaryColumn: "subject", ObjectTypeCode: 4210,
	Columns: cols(audit(), []Column{
		id("activityid", "Phone Call"),
		integer("actualdurationminutes", "Duration"),
		datetime("actualend", "Actual End"),
		datetime("actualstart", "Actual Start"),
		text("category", "Category", 250),
		memo("description", "Description", 2000),
		boolean("directioncode", "Direction"), // true: Outgoing, false: Incoming
		boolean("leftvoicemail", "Left Voice Mail"),
		text("phonenumber", "Phone Number", 200),
		choice("prioritycode", "Priority", []Option{{"Low", 0}, {"Normal", 1}, {"High", 2}}),
		polymorphic("regardingobjectid", "Regarding", "account", "contact", "incident", "lead", "opportunity"),
		datetime("scheduledend", "Due"),
		datetime("scheduledstart", "Start Date"),
		state("Activity Status", []Option{{"Open", 0}, {"Completed", 1}, {"Canceled", 2}}),
		status([]Option{{"Open", 1}, {"Made", 2}, {"Canceled", 3}, {"Received", 4}}),
		text("subcategory", "Sub-Category", 250),
		required(text("subject", "Subject", 200)),
	}),
}
