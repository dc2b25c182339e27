// Package webapi serves an environment in the shape of the Dataverse Web
// API (v9.2), JSON only, on net/http's ServeMux:
//
//	GET    /api/data/v9.2/                      the service document: every entity set
//	GET    /api/data/v9.2/{set}                 rows: $select, $filter, $orderby, $top;
//	                                            paged (Prefer: odata.maxpagesize=N, @odata.nextLink);
//	                                            $expand of lookups (expand.go), also on one row
//	POST   /api/data/v9.2/{set}                 create: 204 + OData-EntityId, or 201 with the
//	                                            row under Prefer: return=representation
//	GET    /api/data/v9.2/{set}({id})           one row (If-None-Match: 304)
//	PATCH  /api/data/v9.2/{set}({id})           update (If-Match: 412 when stale); on an
//	                                            instance table: a move by activestageid, or
//	                                            finish/abandon/reactivate by statecode/statuscode
//	DELETE /api/data/v9.2/{set}({id})           delete (If-Match; If-None-Match: 412 when it matches)
//	GET    /api/data/v9.2/RetrieveProcessInstances(EntityLogicalName='lead',EntityId=ID)
//	GET    /api/data/v9.2/RetrieveActivePath(ProcessInstanceId=ID)
//	POST   /api/data/v9.2/ImportSolution        deploys an archive (runtime/deploy); administrators
//	POST   /api/data/v9.2/bpfc_ExportSolution   the build live in the environment, as ImportSolution
//	                                            takes it (export.go); administrators
//	GET    /api/data/v9.2/EntityDefinitions     the tables: entity sets, keys, primary names, attribute types,
//	                                            display names, required levels, MetadataIds;
//	                                            …(LogicalName='lead')/Attributes(LogicalName='x') one
//	                                            column, cast (…/Microsoft.Dynamics.CRM.PicklistAttributeMetadata)
//	                                            with $expand=OptionSet: its options (attributes.go)
//	GET    /api/data/v9.2/GlobalOptionSetDefinitions  empty: bpfc's choices are the columns' own;
//	                                            one by name is 404 naming its column (globaloptionsets.go)
//	GET    /api/data/v9.2/$metadata             a CSDL document: entity types, properties, entity sets, and
//	                                            each function and action here (unbound, with its parameters,
//	                                            return type and import; operations.go, metadata.go)
//	GET    /api/data/v9.2/bpfc_RetrieveInstance(ProcessInstanceId=ID), bpfc_RetrieveInstances(…),
//	       bpfc_Report(…), bpfc_RetrieveJobs(…), bpfc_RetrieveEmails(…)
//	POST   /api/data/v9.2/bpfc_StartInstance, bpfc_NextStage, bpfc_PreviousStage, bpfc_FinishInstance,
//	       bpfc_AbandonInstance, bpfc_ReactivateInstance, bpfc_RunAction
//	                                            bpfc's own functions and actions (bpfc.go): what the
//	                                            run-time commands need, in their --output json shapes
//	GET    /healthz                             {"status": "ok"}, without a token
//
// The functions and actions are one table (operations.go): the router
// serves each from it and $metadata declares each from it, and their
// handlers read which parameters are required, and which allowed, from it.
//
// Entity sets are the tables' plural names (store.Table.EntitySetName):
// leads, opportunities, and each flow's instance table, e.g.
// cts_leadtoopportunities. Rows carry @odata.etag (W/"<versionnumber>");
// lookups appear as _<column>_value and are written as
// "<column>@odata.bind": "/<set>(<id>)" (_<column>_value is read-only, as
// in Dataverse: a write of it is 400). A body's values take the JSON
// types Dataverse's reader takes (a choice its value as a number, yes/no
// true or false, money a number; bodytypes.go), unless the BPFC-Values:
// text header of bpfc's own client asks for the CLI's text. Times are
// UTC to the second, and $filter compares them so. $filter compares properties with quoted text, numbers,
// true/false, null, dates and ids (unquoted GUIDs, as Dataverse writes
// them, or quoted); contains, startswith and endswith match text, with
// Dataverse's wildcards (% _ [a-c] [^a]). Accept: application/json;
// odata.metadata=none leaves @odata.context out. Creating a record starts its default flow, as bpfc
// record create does, unless the BPFC-Flow header names another flow or
// says none; the BPFC-Instance header then names the instance. POST to an
// instance table with bpf_<table>id@odata.bind starts that flow on the
// record. A PATCH of activestageid moves an instance one stage, forward
// along its active path or back along its traversed path, by the engine's
// rules; anything else is refused with the rule.
//
// Every request but /healthz carries "Authorization: Bearer <token>" (bpfc
// user token); the token's user acts, with its roles (runtime/engine
// enforces them). Errors are {"error": {"code", "message"}} (a refusal
// adds rule, stage and steps): 400 BadRequest or Refused, 401
// Unauthorized, 403 Forbidden, 404 NotFound, 405, 406 NotAcceptable (an
// Accept without JSON), 409 Conflict (changed concurrently), 412
// PreconditionFailed (a stale If-Match), 413, 414 and 431 TooLarge, 415,
// 500 StoreRefused (the database refused the server's connection: no
// retry helps), 503 Busy, Timeout or StoreUnavailable (with Retry-After).
// Bodies, query strings and request times are bounded (Limits).
//
// The server queues its write transactions in process (one environment
// takes one writer at a time), so that concurrent writers wait in order
// rather than in SQLite's polling busy handler.
//
// Entry points: New builds the Server over an environment's store (with an
// engine whose hooks include Guard); Server.Handler is its http.Handler;
// Server.Serve serves a listener until its context ends, then shuts down
// gracefully: requests in flight finish, then background workers (the
// workflow runner) stop. Client is the other side: what bpfc uses for an
// environment with url = "http://…": Import for deploy and promote, Export
// for a promotion from it (Remotes reaches remote environments for
// runtime/deploy's Pipeline: promote, release, promote_from gates), and the
// engine's run-time operations (remote.go) for record, instance, report,
// user list, job list and outbox list, returning the engine's types.
package webapi
