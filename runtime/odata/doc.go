// Package odata parses the small part of OData's query language the Web API
// serves: $filter (eq ne gt ge lt le, and or not, parentheses, strings,
// numbers, booleans, null, dates, GUIDs quoted or not (accountid eq
// 5f3e…, as Dataverse writes ids), enum values (Microsoft.Dynamics.CRM.
// AttributeTypeCode'Picklist', as Dataverse's metadata takes them),
// contains/startswith/endswith), $orderby,
// $select and $top. No maintained Go OData server library exists; this one
// only parses, the store turns the tree into SQL.
package odata
