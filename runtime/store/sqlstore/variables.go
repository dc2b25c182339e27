package sqlstore

import (
	"database/sql"
	"errors"

	"github.com/bpfc/bpfc/runtime/store"
)

func (t *tx) VariableDefinitions() ([]store.VariableDefinition, error) {
	rows, err := t.query(`SELECT schema_name, definition_id, name, solution, type, default_value, display_name, description
FROM environmentvariabledefinition ORDER BY schema_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.VariableDefinition
	for rows.Next() {
		var v store.VariableDefinition
		var def sql.NullString
		if err := rows.Scan(&v.SchemaName, &v.ID, &v.Name, &v.Solution, &v.Type, &def, &v.DisplayName, &v.Description); err != nil {
			return nil, err
		}
		if def.Valid {
			s := def.String
			v.Default = &s
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t *tx) PutVariableDefinition(v store.VariableDefinition) error {
	var def any
	if v.Default != nil {
		def = *v.Default
	}
	_, err := t.exec(`INSERT INTO environmentvariabledefinition (schema_name, definition_id, name, solution, type, default_value,
	display_name, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (schema_name) DO UPDATE SET definition_id = excluded.definition_id, name = excluded.name, solution = excluded.solution,
	type = excluded.type, default_value = excluded.default_value, display_name = excluded.display_name, description = excluded.description`,
		v.SchemaName, v.ID, v.Name, v.Solution, v.Type, def, v.DisplayName, v.Description)
	return err
}

func (t *tx) DeleteVariableDefinition(schemaName string) error {
	if _, err := t.exec(`DELETE FROM environmentvariablevalue WHERE schema_name = $1`, schemaName); err != nil {
		return err
	}
	res, err := t.exec(`DELETE FROM environmentvariabledefinition WHERE schema_name = $1`, schemaName)
	if err != nil {
		return err
	}
	return affected(res, "variable", schemaName)
}

func (t *tx) VariableValue(schemaName string) (store.VariableValue, error) {
	v := store.VariableValue{SchemaName: schemaName}
	var modified string
	err := t.queryRow(`SELECT value, sealed, source, modified_on FROM environmentvariablevalue WHERE schema_name = $1`, schemaName).
		Scan(&v.Value, &v.Sealed, &v.Source, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound("variable value", schemaName)
	}
	v.ModifiedOn = parseTime(modified)
	return v, err
}

func (t *tx) PutVariableValue(v store.VariableValue) error {
	if v.ModifiedOn.IsZero() {
		v.ModifiedOn = t.now()
	}
	var sealed any
	if v.Sealed != nil {
		sealed = v.Sealed
	}
	_, err := t.exec(`INSERT INTO environmentvariablevalue (schema_name, value, sealed, source, modified_on) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (schema_name) DO UPDATE SET value = excluded.value, sealed = excluded.sealed, source = excluded.source, modified_on = excluded.modified_on`,
		v.SchemaName, v.Value, sealed, v.Source, formatTime(v.ModifiedOn))
	return err
}

func (t *tx) DeleteVariableValue(schemaName string) error {
	_, err := t.exec(`DELETE FROM environmentvariablevalue WHERE schema_name = $1`, schemaName)
	return err
}

func (t *tx) PutStagedValue(v store.StagedValue) error {
	var sealed any
	if v.Value.Sealed != nil {
		sealed = v.Value.Sealed
	}
	modified := ""
	if v.Had {
		modified = formatTime(v.Value.ModifiedOn)
	}
	_, err := t.exec(`INSERT INTO stagedvariablevalue (holding, schema_name, had, value, sealed, source, modified_on) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (holding, schema_name) DO UPDATE SET had = excluded.had, value = excluded.value, sealed = excluded.sealed, source = excluded.source,
	modified_on = excluded.modified_on`,
		v.Holding, v.Value.SchemaName, b2i(v.Had), v.Value.Value, sealed, v.Value.Source, modified)
	return err
}

func (t *tx) StagedValues(holding string) ([]store.StagedValue, error) {
	rows, err := t.query(`SELECT schema_name, had, value, sealed, source, modified_on FROM stagedvariablevalue WHERE holding = $1 ORDER BY schema_name`, holding)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.StagedValue
	for rows.Next() {
		v := store.StagedValue{Holding: holding}
		var had int
		var modified string
		if err := rows.Scan(&v.Value.SchemaName, &had, &v.Value.Value, &v.Value.Sealed, &v.Value.Source, &modified); err != nil {
			return nil, err
		}
		v.Had = had != 0
		if v.Had {
			v.Value.ModifiedOn = parseTime(modified)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
