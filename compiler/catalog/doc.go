// Package catalog describes the Dataverse standard tables every bpfc environment ships
// (account, contact, lead, opportunity, incident, phonecall, systemuser) with their real
// names, types and options. Entry points: Tables and Lookup; TABLES.md is generated (-update).
package catalog
