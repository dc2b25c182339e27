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

// aaduser is Dataverse's virtual table of the tenant's Microsoft Entra ID
// (Azure AD) users: solutions look people up there (real exports have
// lookups to it), though nobody creates its rows in Dataverse. It has no
// owner or state (as systemuser).
var aaduser = Table{
	Name: "aaduser", SchemaName: "aaduser", DisplayName: "AAD User", EntitySetName: "aadusers",
	PrimaryKey: "aaduserid", PrimaryColumn: "displayname", ObjectTypeCode: 10031,
	Columns: []Column{
		id("aaduserid", "AAD User"),
		boolean("accountenabled", "Account Enabled"),
		datetime("createdon", "Created On"),
		text("displayname", "Display Name", 256),
		text("givenname", "Given Name", 64),
		text("jobtitle", "Job Title", 128),
		email("mail", "Mail", 256),
		text("mobilephone", "Mobile Phone", 64),
		datetime("modifiedon", "Modified On"),
		text("surname", "Surname", 64),
		text("userprincipalname", "User Principal Name", 256),
	},
}
