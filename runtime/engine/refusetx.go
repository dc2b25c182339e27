package engine

import (
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// refuseTx is a store.Tx that does nothing: every method stops a one-shot
// change (errOneShot). oneShotTx overrides what a one-shot change does.
type refuseTx struct{}

var _ store.Tx = refuseTx{}

func (refuseTx) PutPublisher(store.Publisher) error                       { return errOneShot }
func (refuseTx) Publisher(_ string) (store.Publisher, error)              { return store.Publisher{}, errOneShot }
func (refuseTx) Solutions() ([]store.Solution, error)                     { return nil, errOneShot }
func (refuseTx) Solution(_ string) (store.Solution, error)                { return store.Solution{}, errOneShot }
func (refuseTx) PutSolution(store.Solution) error                         { return errOneShot }
func (refuseTx) DeleteSolution(_ string) error                            { return errOneShot }
func (refuseTx) RenameSolution(_, _ string) error                         { return errOneShot }
func (refuseTx) Components(_ string) ([]store.Component, error)           { return nil, errOneShot }
func (refuseTx) SetComponents(_ string, _ []store.Component) error        { return errOneShot }
func (refuseTx) Workflows() ([]store.Workflow, error)                     { return nil, errOneShot }
func (refuseTx) Workflow(_ string) (store.Workflow, error)                { return store.Workflow{}, errOneShot }
func (refuseTx) PutWorkflow(store.Workflow) error                         { return errOneShot }
func (refuseTx) DeleteWorkflow(_ string) error                            { return errOneShot }
func (refuseTx) SetStages(_ string, _ []store.Stage) error                { return errOneShot }
func (refuseTx) Stages(_ string) ([]store.Stage, error)                   { return nil, errOneShot }
func (refuseTx) VariableDefinitions() ([]store.VariableDefinition, error) { return nil, errOneShot }
func (refuseTx) PutVariableDefinition(store.VariableDefinition) error     { return errOneShot }
func (refuseTx) DeleteVariableDefinition(_ string) error                  { return errOneShot }
func (refuseTx) VariableValue(_ string) (store.VariableValue, error) {
	return store.VariableValue{}, errOneShot
}
func (refuseTx) PutVariableValue(store.VariableValue) error { return errOneShot }
func (refuseTx) DeleteVariableValue(_ string) error         { return errOneShot }
func (refuseTx) PutStagedValue(store.StagedValue) error     { return errOneShot }
func (refuseTx) StagedValues(_ string) ([]store.StagedValue, error) {
	return nil, errOneShot
}
func (refuseTx) Tables() ([]store.Table, error)                    { return nil, errOneShot }
func (refuseTx) Table(_ string) (store.Table, error)               { return store.Table{}, errOneShot }
func (refuseTx) CreateTable(store.Table) error                     { return errOneShot }
func (refuseTx) DropTable(_ string) error                          { return errOneShot }
func (refuseTx) AddColumn(_ string, _ store.Column) error          { return errOneShot }
func (refuseTx) FillColumn(_, _, _ string) error                   { return errOneShot }
func (refuseTx) UpdateColumn(_ string, _ store.Column) error       { return errOneShot }
func (refuseTx) UpdateTable(store.Table) error                     { return errOneShot }
func (refuseTx) DropColumn(_, _ string) error                      { return errOneShot }
func (refuseTx) InsertRow(_ string, _ map[string]any) error        { return errOneShot }
func (refuseTx) CountRows(_ string) (int, error)                   { return 0, errOneShot }
func (refuseTx) GetRow(_ store.Table, _ string) (store.Row, error) { return nil, errOneShot }
func (refuseTx) FindRows(_ store.Table, _ map[string]any) ([]store.Row, error) {
	return nil, errOneShot
}
func (refuseTx) UpdateRow(_ store.Table, _ string, _ map[string]any, _ int64) (int64, error) {
	return 0, errOneShot
}
func (refuseTx) DeleteRow(_ store.Table, _ string) error       { return errOneShot }
func (refuseTx) SetLookupTargets(_ []store.LookupTarget) error { return errOneShot }
func (refuseTx) LookupTargets(_ string, _ []string) ([]store.LookupTarget, error) {
	return nil, errOneShot
}
func (refuseTx) Roles() ([]store.Role, error)                             { return nil, errOneShot }
func (refuseTx) Role(_ string) (store.Role, error)                        { return store.Role{}, errOneShot }
func (refuseTx) PutRole(store.Role) error                                 { return errOneShot }
func (refuseTx) DeleteRole(_ string) error                                { return errOneShot }
func (refuseTx) SetPrivileges(_ string, _ []store.Privilege) error        { return errOneShot }
func (refuseTx) Privileges(_ string) ([]store.Privilege, error)           { return nil, errOneShot }
func (refuseTx) Users() ([]store.User, error)                             { return nil, errOneShot }
func (refuseTx) User(_ string) (store.User, error)                        { return store.User{}, errOneShot }
func (refuseTx) UsersFolded(_ string) ([]store.User, error)               { return nil, errOneShot }
func (refuseTx) OtherUserWithRole(_, _ string) (bool, error)              { return false, errOneShot }
func (refuseTx) PutUser(store.User) error                                 { return errOneShot }
func (refuseTx) Access(_ string) (store.Access, error)                    { return store.Access{}, errOneShot }
func (refuseTx) AddStageVisit(store.StageVisit) error                     { return errOneShot }
func (refuseTx) CloseStageVisit(_ string, _ time.Time, _, _ string) error { return errOneShot }
func (refuseTx) DeleteStageLog(_, _ string) error                         { return errOneShot }
func (refuseTx) StageVisits(_ store.StageVisitFilter) ([]store.StageVisit, error) {
	return nil, errOneShot
}
func (refuseTx) PutArchive(store.Archive) error                             { return errOneShot }
func (refuseTx) Archive(_ string) (store.Archive, error)                    { return store.Archive{}, errOneShot }
func (refuseTx) PutSnapshot(store.Snapshot) error                           { return errOneShot }
func (refuseTx) Snapshot(_ string) (store.Snapshot, error)                  { return store.Snapshot{}, errOneShot }
func (refuseTx) AddImport(store.ImportRecord) (int64, error)                { return 0, errOneShot }
func (refuseTx) RewriteImports(string, func(string) string) error           { return errOneShot }
func (refuseTx) Imports(_ store.ImportFilter) ([]store.ImportRecord, error) { return nil, errOneShot }
