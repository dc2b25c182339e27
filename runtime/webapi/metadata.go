package webapi

import (
	"encoding/xml"
	"net/http"
)

// GET $metadata: a minimal CSDL document (OData 4.0 XML), what OData
// clients read to learn the entity sets and their properties. One
// EntityType per table, named by its logical name, with its key, every
// column as a property (lookups as _<column>_value, Edm.Guid, and a
// navigation property <column> to the target table) and one EntitySet per
// table in the container. Functions and actions are not described.

type edmx struct {
	XMLName      xml.Name    `xml:"edmx:Edmx"`
	Version      string      `xml:"Version,attr"`
	XmlnsEdmx    string      `xml:"xmlns:edmx,attr"`
	DataServices edmxService `xml:"edmx:DataServices"`
}

type edmxService struct {
	Schema edmSchema `xml:"Schema"`
}

type edmSchema struct {
	Xmlns       string          `xml:"xmlns,attr"`
	Namespace   string          `xml:"Namespace,attr"`
	Alias       string          `xml:"Alias,attr"`
	EntityTypes []edmEntityType `xml:"EntityType"`
	Container   edmContainer    `xml:"EntityContainer"`
}

type edmEntityType struct {
	Name       string          `xml:"Name,attr"`
	Key        edmKey          `xml:"Key"`
	Properties []edmProperty   `xml:"Property"`
	Navigation []edmNavigation `xml:"NavigationProperty"`
}

type edmKey struct {
	PropertyRef struct {
		Name string `xml:"Name,attr"`
	} `xml:"PropertyRef"`
}

type edmProperty struct {
	Name string `xml:"Name,attr"`
	Type string `xml:"Type,attr"`
}

type edmNavigation struct {
	Name string `xml:"Name,attr"`
	Type string `xml:"Type,attr"`
}

type edmContainer struct {
	Name string      `xml:"Name,attr"`
	Sets []edmEntity `xml:"EntitySet"`
}

type edmEntity struct {
	Name       string `xml:"Name,attr"`
	EntityType string `xml:"EntityType,attr"`
}

// edmTypes maps AttributeTypeCode names to EDM types.
var edmTypes = map[string]string{
	"String": "Edm.String", "Memo": "Edm.String", "Integer": "Edm.Int32", "Picklist": "Edm.Int32", "State": "Edm.Int32",
	"Status": "Edm.Int32", "BigInt": "Edm.Int64", "Decimal": "Edm.Decimal", "Money": "Edm.Decimal", "Boolean": "Edm.Boolean",
	"DateTime": "Edm.DateTimeOffset", "Uniqueidentifier": "Edm.Guid", "Lookup": "Edm.Guid", "Customer": "Edm.Guid",
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	const ns = "Microsoft.Dynamics.CRM"
	doc := edmx{Version: "4.0", XmlnsEdmx: "http://docs.oasis-open.org/odata/ns/edmx"}
	sc := &doc.DataServices.Schema
	sc.Xmlns, sc.Namespace, sc.Alias = "http://docs.oasis-open.org/odata/ns/edm", ns, "mscrm"
	sc.Container.Name = "System"
	for _, t := range tables {
		d := definitionOf(t)
		et := edmEntityType{Name: d.LogicalName}
		et.Key.PropertyRef.Name = d.PrimaryIdAttribute
		for _, a := range d.Attributes {
			typ, ok := edmTypes[a.AttributeType]
			if !ok {
				typ = "Edm.String"
			}
			name := a.LogicalName
			if a.AttributeType == "Lookup" || a.AttributeType == "Customer" {
				name = "_" + name + "_value"
				// The navigation properties $expand takes: the lookup's
				// name, or one per target of a customer lookup.
				if len(a.Targets) == 1 {
					et.Navigation = append(et.Navigation, edmNavigation{Name: a.LogicalName, Type: "mscrm." + a.Targets[0]})
				} else {
					for _, tg := range a.Targets {
						et.Navigation = append(et.Navigation, edmNavigation{Name: a.LogicalName + "_" + tg, Type: "mscrm." + tg})
					}
				}
			}
			et.Properties = append(et.Properties, edmProperty{Name: name, Type: typ})
		}
		sc.EntityTypes = append(sc.EntityTypes, et)
		sc.Container.Sets = append(sc.Container.Sets, edmEntity{Name: d.EntitySetName, EntityType: "mscrm." + d.LogicalName})
	}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("OData-Version", "4.0")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(xml.Header))
	w.Write(b)
	w.Write([]byte("\n"))
}
