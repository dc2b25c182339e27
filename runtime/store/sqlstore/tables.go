package sqlstore

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

func (t *tx) Tables() ([]store.Table, error) {
	rows, err := t.query(`SELECT name, display_name, entity_set_name, primary_key, primary_column, kind, solution FROM entity ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []store.Table
	idx := map[string]int{}
	for rows.Next() {
		var tb store.Table
		if err := rows.Scan(&tb.Name, &tb.DisplayName, &tb.EntitySetName, &tb.PrimaryKey, &tb.PrimaryColumn, &tb.Kind, &tb.Solution); err != nil {
			rows.Close()
			return nil, err
		}
		idx[tb.Name] = len(out)
		out = append(out, tb)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cols, err := t.columns(`ORDER BY entity, position`)
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		if i, ok := idx[c.table]; ok {
			out[i].Columns = append(out[i].Columns, c.Column)
		}
	}
	return out, nil
}

func (t *tx) Table(name string) (store.Table, error) {
	tb := store.Table{Name: name}
	err := t.queryRow(`SELECT display_name, entity_set_name, primary_key, primary_column, kind, solution FROM entity WHERE name = $1`, name).
		Scan(&tb.DisplayName, &tb.EntitySetName, &tb.PrimaryKey, &tb.PrimaryColumn, &tb.Kind, &tb.Solution)
	if errors.Is(err, sql.ErrNoRows) {
		return tb, notFound("table", name)
	}
	if err != nil {
		return tb, err
	}
	cols, err := t.columns(`WHERE entity = $1 ORDER BY position`, name)
	if err != nil {
		return tb, err
	}
	for _, c := range cols {
		tb.Columns = append(tb.Columns, c.Column)
	}
	return tb, nil
}

type tableColumn struct {
	table string
	store.Column
}

func (t *tx) columns(where string, args ...any) ([]tableColumn, error) {
	rows, err := t.query(`SELECT entity, name, display_name, type, max_length, targets, options, required, is_system, solution, behavior FROM attribute `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tableColumn
	for rows.Next() {
		var c tableColumn
		var targets, options string
		var req, sys int
		if err := rows.Scan(&c.table, &c.Name, &c.DisplayName, &c.Type, &c.MaxLength, &targets, &options, &req, &sys, &c.Solution, &c.Behavior); err != nil {
			return nil, err
		}
		if targets != "" {
			c.Targets = strings.Split(targets, ",")
		}
		if err := json.Unmarshal([]byte(options), &c.Options); err != nil {
			return nil, fmt.Errorf("options of %s.%s: %w", c.table, c.Name, err)
		}
		c.Required, c.System = req != 0, sys != 0
		out = append(out, c)
	}
	return out, rows.Err()
}

func (t *tx) putColumnMeta(table string, position int, c store.Column, update bool) error {
	opts := c.Options
	if opts == nil {
		opts = []store.Option{}
	}
	oj, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	if update {
		res, err := t.exec(`UPDATE attribute SET display_name = $3, max_length = $4, targets = $5, options = $6, required = $7,
	is_system = $8, solution = $9, behavior = $10 WHERE entity = $1 AND name = $2`,
			table, c.Name, c.DisplayName, c.MaxLength, strings.Join(c.Targets, ","), string(oj), b2i(c.Required), b2i(c.System), c.Solution, c.Behavior)
		if err != nil {
			return err
		}
		return affected(res, "column", table+"."+c.Name)
	}
	if c.Behavior != "" {
		_, err = t.execP(`INSERT INTO attribute (entity, name, position, display_name, type, max_length, targets, options, required, is_system, solution, behavior)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			table, c.Name, position, c.DisplayName, c.Type, c.MaxLength, strings.Join(c.Targets, ","), string(oj), b2i(c.Required), b2i(c.System), c.Solution, c.Behavior)
		return err
	}
	// Most columns have none: the statement of the schemas before 0009
	// (the migration tests create environments of those with this code).
	_, err = t.execP(`INSERT INTO attribute (entity, name, position, display_name, type, max_length, targets, options, required, is_system, solution)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		table, c.Name, position, c.DisplayName, c.Type, c.MaxLength, strings.Join(c.Targets, ","), string(oj), b2i(c.Required), b2i(c.System), c.Solution)
	return err
}

func (t *tx) columnDDL(c store.Column, primaryKey string) (string, error) {
	q, err := quote(c.Name)
	if err != nil {
		return "", err
	}
	switch {
	case c.Name == primaryKey:
		return q + " " + t.d.ColumnType(c.Type) + " PRIMARY KEY NOT NULL", nil
	case c.Type == store.TypeRowVersion:
		return q + " " + t.d.ColumnType(c.Type) + " NOT NULL DEFAULT 0", nil
	}
	return q + " " + t.d.ColumnType(c.Type), nil
}

func (t *tx) CreateTable(tb store.Table) error {
	name, err := quote(tb.Name)
	if err != nil {
		return err
	}
	if tb.PrimaryKey == "" {
		return fmt.Errorf("table %s has no primary key", tb.Name)
	}
	if _, ok := tb.Column(tb.PrimaryKey); !ok {
		tb.Columns = append([]store.Column{{Name: tb.PrimaryKey, DisplayName: tb.DisplayName, Type: "uniqueidentifier", System: true}}, tb.Columns...)
	}
	if _, ok := tb.Column(store.RowVersionColumn); !ok {
		tb.Columns = append(tb.Columns, store.Column{Name: store.RowVersionColumn, DisplayName: "Version Number", Type: store.TypeRowVersion, System: true})
	}
	if _, err := t.Table(tb.Name); err == nil {
		return fmt.Errorf("table %q: %w", tb.Name, store.ErrExists)
	}
	var defs []string
	seen := map[string]bool{}
	for _, c := range tb.Columns {
		if seen[c.Name] {
			return fmt.Errorf("table %s: duplicate column %s", tb.Name, c.Name)
		}
		seen[c.Name] = true
		def, err := t.columnDDL(c, tb.PrimaryKey)
		if err != nil {
			return err
		}
		defs = append(defs, def)
	}
	if _, err := t.exec("CREATE TABLE " + name + " (\n\t" + strings.Join(defs, ",\n\t") + "\n)"); err != nil {
		return fmt.Errorf("creating table %s: %w", tb.Name, err)
	}
	for _, c := range tb.Columns {
		if err := t.indexLookup(tb.Name, c); err != nil {
			return err
		}
	}
	if err := t.indexCreated(tb); err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO entity (name, display_name, entity_set_name, primary_key, primary_column, kind, solution)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, tb.Name, tb.DisplayName, tb.EntitySetName, tb.PrimaryKey, tb.PrimaryColumn, tb.Kind, tb.Solution); err != nil {
		return err
	}
	for i, c := range tb.Columns {
		if err := t.putColumnMeta(tb.Name, i, c, false); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdateTable(tb store.Table) error {
	res, err := t.exec(`UPDATE entity SET display_name = $2, entity_set_name = $3, primary_column = $4, kind = $5, solution = $6 WHERE name = $1`,
		tb.Name, tb.DisplayName, tb.EntitySetName, tb.PrimaryColumn, tb.Kind, tb.Solution)
	if err != nil {
		return err
	}
	return affected(res, "table", tb.Name)
}

func (t *tx) DropTable(name string) error {
	q, err := quote(name)
	if err != nil {
		return err
	}
	if _, err := t.Table(name); err != nil {
		return err
	}
	if _, err := t.exec("DROP TABLE " + q); err != nil {
		return fmt.Errorf("dropping table %s: %w", name, err)
	}
	for _, stmt := range []string{
		`DELETE FROM attribute WHERE entity = $1`,
		`DELETE FROM entity WHERE name = $1`,
		`DELETE FROM lookuptarget WHERE table_name = $1`,
	} {
		if _, err := t.exec(stmt, name); err != nil {
			return err
		}
	}
	res, err := t.exec(`DELETE FROM roleprivilege WHERE table_name = $1`, name)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return t.accessChanged()
}

func (t *tx) AddColumn(table string, c store.Column) error {
	tb, err := t.Table(table)
	if err != nil {
		return err
	}
	if _, ok := tb.Column(c.Name); ok {
		return fmt.Errorf("column %s.%s: %w", table, c.Name, store.ErrExists)
	}
	q, _ := quote(table)
	def, err := t.columnDDL(c, "")
	if err != nil {
		return err
	}
	if _, err := t.exec("ALTER TABLE " + q + " ADD COLUMN " + def); err != nil {
		return fmt.Errorf("adding column %s.%s: %w", table, c.Name, err)
	}
	if err := t.indexLookup(table, c); err != nil {
		return err
	}
	tb.Columns = append(tb.Columns, c)
	if err := t.indexCreated(tb); err != nil {
		return err
	}
	return t.putColumnMeta(table, t.nextPosition(table), c, false)
}

// lookupIndexVersion is the migration from which lookup columns are
// indexed: an environment of an earlier version has its lookups indexed
// when it migrates.
const lookupIndexVersion = 10

// lookupIndexed reports whether column c gets an index of its own: a
// lookup does, as Dataverse indexes every lookup and the engine finds rows
// by them (a record's instances, the record a stage links back to, a
// user's own rows), but not one written by every change (modifiedby, an
// instance's activestageid: its index would make every move rewrite an
// index entry) or one nothing looks rows up by (createdby).
func lookupIndexed(c store.Column) bool {
	switch c.Name {
	case "createdby", "modifiedby", "activestageid":
		return false
	}
	return c.Type == "lookup" || c.Type == "customer"
}

// lookupIndexName names the index of table's lookup column:
// _lkN_table_column, N the length of table's name, shortened with a hash
// of both names past PostgreSQL's 63 bytes. Both databases keep tables and
// indexes under one namespace, and a project's table is named prefix_name
// with a prefix of two to eight letters and digits (lk_lead_parentaccountid
// is one, cr_lead another): the leading _, which no table's name has
// (compiler: a name starts with a letter, as in Dataverse), keeps the index
// from taking a table's name and the table from failing to be created.
// The length tells the table from the column where both have _ in their
// names: pp_a's pp_b_pp_c and pp_a_pp_b's pp_c would otherwise share one
// name, one of them left without an index (IF NOT EXISTS) and dropping the
// one's column dropping the other's index.
func lookupIndexName(table, column string) string {
	return indexName("_lk"+strconv.Itoa(len(table))+"_"+table+"_"+column, table+"."+column)
}

// indexName is name, or past PostgreSQL's 63 bytes its first 46 and a hash
// of what it names (table.column), so that two long names stay apart.
func indexName(name, names string) string {
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(names))
	return name[:46] + "_" + hex.EncodeToString(sum[:8])
}

// indexLookup indexes column c of table when lookupIndexed says so.
func (t *tx) indexLookup(table string, c store.Column) error {
	if !lookupIndexed(c) {
		return nil
	}
	qt, err := quote(table)
	if err != nil {
		return err
	}
	qc, err := quote(c.Name)
	if err != nil {
		return err
	}
	qi, _ := quote(lookupIndexName(table, c.Name))
	if _, err := t.exec("CREATE INDEX IF NOT EXISTS " + qi + " ON " + qt + " (" + qc + ")"); err != nil {
		return fmt.Errorf("indexing lookup %s.%s: %w", table, c.Name, err)
	}
	return nil
}

// createdIndexVersion is the migration from which tables with createdon
// have createdIndexName's index: an environment of an earlier version gets
// them when it migrates.
const createdIndexVersion = 12

// createdColumn is the column whose index serves a table's newest first.
const createdColumn = "createdon"

// createdIndexName names the index of table's createdon: _cr_table,
// shortened with a hash of the name past PostgreSQL's 63 bytes; the
// leading _ keeps it from any table's name, as lookupIndexName's.
func createdIndexName(table string) string {
	return indexName("_cr_"+table, table+"."+createdColumn)
}

// indexCreated indexes tb by createdon, newest first (timeKey descending,
// empty last), then by the key ascending: the order of a query's
// OrderBy createdon desc (the web pages' record lists, the Web API's
// $orderby=createdon desc), which reads its first page in the index's
// order where it sorted the whole table. A table without a datetime
// createdon has none.
func (t *tx) indexCreated(tb store.Table) error {
	c, ok := tb.Column(createdColumn)
	if !ok || kindOf(c) != kTime {
		return nil
	}
	qt, err := quote(tb.Name)
	if err != nil {
		return err
	}
	qc, _ := quote(c.Name)
	qk, err := quote(tb.PrimaryKey)
	if err != nil {
		return err
	}
	qi, _ := quote(createdIndexName(tb.Name))
	// PostgreSQL's DESC puts NULL first; SQLite's puts it last and takes
	// no NULLS in an index.
	desc := " DESC"
	if t.d.Name() == "postgres" {
		desc += " NULLS LAST"
	}
	if _, err := t.exec("CREATE INDEX IF NOT EXISTS " + qi + " ON " + qt + " ((" + timeKey(qc) + ")" + desc + ", " + qk + ")"); err != nil {
		return fmt.Errorf("indexing %s.%s: %w", tb.Name, c.Name, err)
	}
	return nil
}

// indexTables gives every table the indexes CreateTable gives it now, for
// an environment made at migration from: its lookups' (before
// lookupIndexVersion) and its createdon's (before createdIndexVersion).
func (t *tx) indexTables(from int) error {
	tables, err := t.Tables()
	if err != nil {
		return err
	}
	for _, tb := range tables {
		for _, c := range tb.Columns {
			if from < lookupIndexVersion {
				if err := t.indexLookup(tb.Name, c); err != nil {
					return err
				}
			}
		}
		if from < createdIndexVersion {
			if err := t.indexCreated(tb); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *tx) FillColumn(table, column, from string) error {
	q, err := quote(table)
	if err != nil {
		return err
	}
	qc, err := quote(column)
	if err != nil {
		return err
	}
	qf, err := quote(from)
	if err != nil {
		return err
	}
	if _, err := t.exec("UPDATE " + q + " SET " + qc + " = " + qf + " WHERE " + qc + " IS NULL"); err != nil {
		return fmt.Errorf("filling %s.%s from %s: %w", table, column, from, err)
	}
	return nil
}

func (t *tx) nextPosition(table string) int {
	var n int
	_ = t.queryRow(`SELECT COALESCE(MAX(position), -1) + 1 FROM attribute WHERE entity = $1`, table).Scan(&n)
	return n
}

func (t *tx) UpdateColumn(table string, c store.Column) error {
	tb, err := t.Table(table)
	if err != nil {
		return err
	}
	old, ok := tb.Column(c.Name)
	if !ok {
		return notFound("column", table+"."+c.Name)
	}
	if old.Type != c.Type {
		return fmt.Errorf("column %s.%s is %s; its type cannot change to %s", table, c.Name, old.Type, c.Type)
	}
	return t.putColumnMeta(table, 0, c, true)
}

func (t *tx) DropColumn(table, column string) error {
	tb, err := t.Table(table)
	if err != nil {
		return err
	}
	if _, ok := tb.Column(column); !ok {
		return notFound("column", table+"."+column)
	}
	if column == tb.PrimaryKey || column == store.RowVersionColumn {
		return fmt.Errorf("column %s.%s cannot be dropped", table, column)
	}
	qt, _ := quote(table)
	qc, err := quote(column)
	if err != nil {
		return err
	}
	if err := t.dropColumnIndexes(table, column); err != nil {
		return fmt.Errorf("dropping column %s.%s: %w", table, column, err)
	}
	if _, err := t.exec("ALTER TABLE " + qt + " DROP COLUMN " + qc); err != nil {
		return fmt.Errorf("dropping column %s.%s: %w", table, column, err)
	}
	if _, err = t.exec(`DELETE FROM attribute WHERE entity = $1 AND name = $2`, table, column); err != nil {
		return err
	}
	_, err = t.exec(`DELETE FROM lookuptarget WHERE table_name = $1 AND column_name = $2`, table, column)
	return err
}

// dropColumnIndexes drops the indexes of table that name column, which
// SQLite drops no column before (PostgreSQL drops them with it): a
// lookup's, createdon's (an expression of it), whatever their names, so
// that a column is dropped whichever bpfc named its index.
func (t *tx) dropColumnIndexes(table, column string) error {
	if t.d.Name() == "postgres" {
		return nil
	}
	qc, _ := quote(column)
	rows, err := t.query(`SELECT m.name FROM sqlite_master m WHERE m.type = 'index' AND m.tbl_name = $1 AND m.sql IS NOT NULL
AND (EXISTS (SELECT 1 FROM pragma_index_info(m.name) i WHERE i.name = $2) OR instr(m.sql, $3) > 0)`, table, column, qc)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := t.exec(`DROP INDEX "` + strings.ReplaceAll(n, `"`, `""`) + `"`); err != nil {
			return err
		}
	}
	return nil
}

// Rows.

func (t *tx) InsertRow(table string, values map[string]any) error {
	qt, err := quote(table)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	cols := make([]string, len(names))
	marks := make([]string, len(names))
	args := make([]any, len(names))
	for i, n := range names {
		if cols[i], err = quote(n); err != nil {
			return err
		}
		marks[i] = fmt.Sprintf("$%d", i+1)
		args[i] = sqlValue(values[n])
	}
	_, err = t.execC("INSERT INTO "+qt+" ("+strings.Join(cols, ", ")+") VALUES ("+strings.Join(marks, ", ")+")", args...)
	return err
}

func (t *tx) CountRows(table string) (int, error) {
	tb, err := t.Table(table)
	if err != nil {
		return 0, err
	}
	return t.CountQuery(store.Query{Table: tb})
}
