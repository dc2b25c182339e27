package deploy

import (
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// cancelStaged uninstalls a holding solution alone, which cancels its
// staged upgrade, as deleting the _Upgrade solution does in Dataverse: the
// holding solution's layer goes, and the installed version below it is
// what runs again. What only the holding solution has goes with its data
// (as a managed uninstall takes it, so it needs confirm); what both have
// reads again as the installed version defines it, from the build the
// environment keeps of it; the instances at a stage only the upgrade had
// move back to the last stage of their path the installed version has, as
// an upgrade that removes a stage moves them; the variables' values are
// back as the staged import found them (keepStagedValues).
func cancelStaged(tx store.Tx, envName string, holding store.Solution, confirm bool, out *Outcome, o *Options) error {
	refuse := func(format string, args ...any) error {
		return &Refusal{Env: envName, Solution: holding.Name, Version: holding.Version, Operation: "uninstall",
			Causes: []string{fmt.Sprintf(format, args...)}}
	}
	base, err := tx.Solution(holding.UpgradeOf)
	if errors.Is(err, store.ErrNotFound) {
		return refuse("%s is a staged upgrade of %s, which is not installed in %s", holding.Name, holding.UpgradeOf, envName)
	}
	if err != nil {
		return err
	}
	b, err := keptBuild(tx, base.BuildDigest)
	if err != nil {
		return err
	}
	if b == nil {
		return refuse("%s keeps no build of %s %s to go back to (it was installed by an older bpfc): complete the upgrade with bpfc apply-upgrade %s --env %s, or uninstall %s",
			envName, base.Name, base.Version, base.Name, envName, base.Name)
	}
	out.Restored = base.Name + " " + base.Version
	// Read before the holding solution goes: they go with it.
	kept, err := tx.StagedValues(holding.Name)
	if err != nil {
		return err
	}
	holdComps, err := tx.Components(holding.Name)
	if err != nil {
		return err
	}
	baseComps, err := tx.Components(base.Name)
	if err != nil {
		return err
	}
	gone, shared, err := splitShared(tx, base.Name, dropped(holdComps, baseComps))
	if err != nil {
		return err
	}
	if err := refuseDependents(tx, envName, holding, "uninstall", gone); err != nil {
		return err
	}
	if out.InstanceRows, err = instanceRows(tx, gone); err != nil {
		return err
	}
	if out.Removed, err = removalChanges(tx, base.Name, gone); err != nil {
		return err
	}
	out.Kept = keptChanges(shared)
	unfit, err := unfitValues(tx, b.Project, base.Version)
	if err != nil {
		return err
	}
	out.Removed = append(out.Removed, unfit...)
	if !confirm {
		return fmt.Errorf("uninstalling %s from %s cancels the staged upgrade of %s to %s (%s %s runs again) and removes %s and %s of instance tables%s; run again with --yes to go ahead: %w",
			holding.Name, envName, base.Name, holding.Version, base.Name, base.Version, compiler.Plural(len(gone), "component"),
			compiler.Plural(out.InstanceRows, "row"), out.OtherData(), ErrNeedsConfirmation)
	}
	if err := remove(tx, gone, o.Progress); err != nil {
		return err
	}
	if err := handOver(tx, shared); err != nil {
		return err
	}
	if err := tx.DeleteSolution(holding.Name); err != nil {
		return err
	}
	for _, c := range unfit {
		if err := tx.DeleteVariableValue(b.Project.Variable(c.Name).SchemaName); err != nil {
			return err
		}
	}
	if err := restore(tx, base, b, o); err != nil {
		return err
	}
	return restoreStagedValues(tx, kept)
}

// keepStagedValues keeps, for a cancel of the staged upgrade holding, the
// value each variable of vals has in the environment (current) before the
// staged import writes its own: what it adds, changes or removes comes
// back as it was.
func keepStagedValues(tx store.Tx, holding string, vals []value, current map[string]store.VariableValue) error {
	for _, val := range vals {
		cur, had := current[val.v.SchemaName]
		if !had {
			cur = store.VariableValue{SchemaName: val.v.SchemaName}
		}
		if err := tx.PutStagedValue(store.StagedValue{Holding: holding, Had: had, Value: cur}); err != nil {
			return err
		}
	}
	return nil
}

// restoreStagedValues gives the environment back the values it held before
// the staged import (keepStagedValues), as they were, modified_on too: a
// staged upgrade that a cancel undoes leaves no value of its own.
func restoreStagedValues(tx store.Tx, kept []store.StagedValue) error {
	for _, k := range kept {
		var err error
		if k.Had {
			err = tx.PutVariableValue(k.Value)
		} else {
			err = tx.DeleteVariableValue(k.Value.SchemaName)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// restore writes build b of the installed solution base into the
// environment again (what a staged upgrade replaced): tables' and columns'
// metadata, flows with their stages, workflows, roles and variable
// definitions. The variables' values are cancelStaged's to give back.
func restore(tx store.Tx, base store.Solution, b *Build, o *Options) error {
	st, err := loadState(tx, base.Name)
	if err != nil {
		return err
	}
	a := &applier{tx: tx, st: st, b: b, p: b.Project, owner: base.Name, o: o, xaml: xamlByID(b.archive(base.Managed).Data)}
	if err := a.tables(); err != nil {
		return err
	}
	removed, err := a.removedStages()
	if err != nil {
		return err
	}
	if err := a.flows(); err != nil {
		return err
	}
	if err := a.leaveRemovedStages(removed, o.Now()); err != nil {
		return err
	}
	if err := a.workflows(); err != nil {
		return err
	}
	if err := a.roles(); err != nil {
		return err
	}
	for _, v := range b.Project.Variables {
		if err := tx.PutVariableDefinition(store.VariableDefinition{SchemaName: v.SchemaName, ID: b.Project.VariableID(v), Name: v.Name,
			Solution: base.Name, Type: v.Type, Default: defaultText(v), DisplayName: v.DisplayName, Description: v.Description}); err != nil {
			return err
		}
	}
	return nil
}

// unfitValues are the values the environment holds for variables of p
// (the installed version) that are not of the type p declares them: set
// while the staged upgrade, which changed the variable's type, ran. Each is
// a removal of kind "value": the default applies again, as the value could
// not be read as the variable p declares.
func unfitValues(tx store.Tx, p *compiler.Project, version string) ([]Change, error) {
	var out []Change
	for _, v := range p.Variables {
		cur, err := tx.VariableValue(v.SchemaName)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		why := ""
		switch sealed := len(cur.Sealed) > 0; {
		case v.Type == compiler.VarSecret && !sealed:
			why = "is not sealed, and " + version + " declares a secret"
		case v.Type != compiler.VarSecret && sealed:
			why = "is a secret's, and " + version + " declares a " + v.Type
		case !sealed:
			if _, err := parseText(v.Type, cur.Value); err != nil {
				why = fmt.Sprintf("does not fit the %s %s declares: %v", v.Type, version, err)
			}
		}
		if why != "" {
			out = append(out, Change{Action: "remove", Kind: "value", Name: v.Name,
				Data: "the value set under the staged upgrade " + why + "; the default applies again"})
		}
	}
	return out, nil
}

// keptBuild is the build the environment keeps of digest; nil when it
// keeps none.
func keptBuild(tx store.Tx, digest string) (*Build, error) {
	snap, err := keptSnapshot(tx, digest)
	if snap == nil || err != nil {
		return nil, err
	}
	return buildFromSnapshot(tx, *snap)
}
