package catalog

// systemuser has no statecode or statuscode in Dataverse: isdisabled says whether
// the user is enabled. It has no ownerid either (users belong to a business unit).
var systemuser = Table{
	Name: "systemuser", SchemaName: "SystemUser", DisplayName: "User", EntitySetName: "systemusers",
	PrimaryKey: "systemuserid", PrimaryColumn: "fullname", ObjectTypeCode: 8,
	Columns: []Column{
		id("systemuserid", "User"),
		choice("accessmode", "Access Mode", []Option{
			{"Read-Write", 0}, {"Administrative", 1}, {"Read", 2}, {"Support User", 3}, {"Non-interactive", 4}, {"Delegated Admin", 5},
		}),
		lookup("createdby", "Created By", "systemuser"),
		datetime("createdon", "Created On"),
		required(text("domainname", "User Name", 1024)),
		text("employeeid", "Employee", 100),
		required(text("firstname", "First Name", 64)),
		text("fullname", "Full Name", 200),
		text("homephone", "Home Phone", 50),
		required(email("internalemailaddress", "Primary Email", 100)),
		boolean("isdisabled", "Status"), // true: Disabled, false: Enabled
		text("jobtitle", "Job Title", 100),
		required(text("lastname", "Last Name", 64)),
		text("mobilephone", "Mobile Phone", 64),
		lookup("modifiedby", "Modified By", "systemuser"),
		datetime("modifiedon", "Modified On"),
		text("nickname", "Nickname", 50),
		lookup("parentsystemuserid", "Manager", "systemuser"),
		email("personalemailaddress", "Email 2", 100),
		text("title", "Title", 128),
	},
}
