package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/backup"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// ManifestName is the file in a backup directory that lists every other file (backup.ManifestName).
const ManifestName = backup.ManifestName

// BackupFormat identifies the layout of a backup directory (backup.Format).
const BackupFormat = backup.Format

// Manifest describes a backup (backup.Manifest).
type Manifest = backup.Manifest

// BackupFile is one file of a backup (backup.File).
type BackupFile = backup.File

// backup exports the database to a new directory with DuckDB's EXPORT DATABASE (schema.sql,
// load.sql and a Parquet file per table) and writes manifest.json with every file's SHA-256 and
// every table's Parquet file (backup.Write). schema.sql and load.sql are kept for people reading
// the backup; restore never executes them. With --from-server it asks a running server for the
// backup instead (POST /api/v1/admin/backup, an admin token), which the server takes under its
// write lock while it goes on serving.
func (m *Main) backup(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("backup", &c)
	server := fs.String("from-server", env("SCORECARD_SERVER", ""), "take the backup from the running server at this URL (http://host:port) instead of opening --db (env SCORECARD_SERVER)")
	token := fs.String("token", "", "the admin API token for --from-server (default: env SCORECARD_TOKEN)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(m.Stderr, "usage: scorecard backup [--db PATH] DIR\n       scorecard backup --from-server URL [--token T] DIR")
		return errUsage
	}
	dir, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	if *server != "" {
		if *token == "" {
			*token = os.Getenv("SCORECARD_TOKEN")
		}
		return m.backupFromServer(ctx, *server, *token, dir)
	}
	if fi, err := os.Stat(c.db); err != nil || fi.Size() == 0 {
		return errs.Errorf(errs.NotFound, "no database at %s to back up", c.db)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return errs.Errorf(errs.Conflict, "%s is not empty: back up into a new directory", dir)
	}
	db, err := openExisting(c.db)
	if err != nil {
		return err
	}
	defer db.Close()
	man, err := backup.Write(ctx, db, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backed up %s to %s: %d tables, %d files, %d bytes (manifest %s)\n",
		c.db, dir, len(man.Tables), len(man.Files), man.Bytes(), ManifestName)
	return nil
}

// backupFromServer fetches a backup archive from a running server, unpacks it into dir and
// verifies it as restore will (every file's size and SHA-256 against the manifest).
func (m *Main) backupFromServer(ctx context.Context, server, token, dir string) error {
	if token == "" {
		return errs.Errorf(errs.Invalid, "--from-server needs an admin token: --token or SCORECARD_TOKEN")
	}
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errs.Errorf(errs.Invalid, "--from-server %q is not a URL such as http://localhost:8080", server)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return errs.Errorf(errs.Conflict, "%s is not empty: back up into a new directory", dir)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String()+"/api/v1/admin/backup", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/x-tar")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("backup from %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("backup from %s: the server answered %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(b)))
	}
	if _, err := backup.ExtractTar(resp.Body, dir); err != nil {
		return err
	}
	man, err := verifyBackup(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backed up %s to %s: %d tables, %d files, %d bytes (manifest %s, checksums verified)\n",
		u.Redacted(), dir, len(man.Tables), len(man.Files), man.Bytes(), ManifestName)
	return nil
}

// restoreBackup creates a database from a backup directory. Nothing in the backup is run: the
// schema comes from this binary's own migrations (scorecard.Migrate, as for a fresh database)
// and only the data comes from the backup, read from the Parquet files the manifest lists for
// tables this binary knows. In order, it
//
//   - verifies every file against the manifest (size and SHA-256; regular files inside DIR
//     only, no symbolic links) and maps every table to its file, refusing unknown tables;
//   - creates a new file beside the target, migrates it, and forbids DuckDB every file outside
//     DIR (allowed_directories, enable_external_access = false);
//   - in one transaction inserts each fixed table's rows by column name into the migrated table,
//     creates each rev_<id> whose id is in the restored revisions table from its Parquet file
//     (keeping the column types), and restarts each sequence after the highest id restored;
//   - checks every table's row count against the manifest, and only then moves the new file
//     into place.
//
// An existing non-empty database is replaced only with --force, and is kept beside it as
// PATH.before-restore-TIME.
func (m *Main) restoreBackup(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("restore", &c)
	from := fs.String("from", "", "backup directory made by scorecard backup")
	force := fs.Bool("force", false, "replace an existing non-empty database (it is kept as PATH.before-restore-TIME)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || fs.NArg() != 0 {
		fmt.Fprintln(m.Stderr, "usage: scorecard restore --from DIR [--db PATH] [--force]")
		return errUsage
	}
	dir, err := backupDir(*from)
	if err != nil {
		return err
	}
	man, err := verifyBackup(dir)
	if err != nil {
		return err
	}
	known, err := knownSchema(ctx)
	if err != nil {
		return err
	}
	plan, err := planRestore(dir, man, known)
	if err != nil {
		return err
	}
	existing := false
	if fi, err := os.Stat(c.db); err == nil && fi.Size() > 0 {
		existing = true
		if !*force {
			return errs.Errorf(errs.Conflict, "%s already holds a database: restore into a new --db path, or give --force to replace it (it is kept as a copy)", c.db)
		}
	}
	tmp := c.db + ".restoring"
	os.Remove(tmp)
	os.Remove(tmp + ".wal")
	db, err := store.Open(tmp, store.Options{MemoryLimit: c.memoryLimit, Threads: c.threads})
	if err != nil {
		return err
	}
	cleanup := func() { db.Close(); os.Remove(tmp); os.Remove(tmp + ".wal") }
	if err := scorecard.Migrate(ctx, db); err != nil {
		cleanup()
		return fmt.Errorf("restore: %w", err)
	}
	if err := loadBackup(ctx, db, dir, plan, known); err != nil {
		cleanup()
		return err
	}
	counts, err := tableCounts(ctx, db)
	if err != nil {
		cleanup()
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		if want := man.Tables[name]; counts[name] != want {
			cleanup()
			return errs.Errorf(errs.Invalid, "restore: table %s has %d rows after the restore, the manifest says %d; nothing was changed", name, counts[name], want)
		}
	}
	if err := db.Checkpoint(ctx); err != nil {
		cleanup()
		return err
	}
	if err := db.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if existing {
		keep := c.db + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(c.db, keep); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: keep the old database: %w", err)
		}
		if _, err := os.Stat(c.db + ".wal"); err == nil {
			if err := os.Rename(c.db+".wal", keep+".wal"); err != nil {
				return fmt.Errorf("restore: keep the old database's log: %w", err)
			}
		}
		fmt.Fprintf(m.Stdout, "the database that was at %s is kept as %s\n", c.db, keep)
	}
	if err := os.Rename(tmp, c.db); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(m.Stdout, "restored %s from %s (made %s): %d tables, checksums and row counts verified\n",
		c.db, dir, man.CreatedAt.Format(time.RFC3339), len(plan))
	return nil
}

// backupDir is the backup directory as an absolute path with symbolic links resolved, so that
// "inside DIR" means inside the real directory. DuckDB's read_parquet treats * ? [ as a glob,
// so a directory whose name holds them is refused rather than matched loosely.
func backupDir(from string) (string, error) {
	dir, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return "", errs.Errorf(errs.Invalid, "%s is not a backup directory: %v", from, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", errs.Errorf(errs.Invalid, "%s is not a backup directory", from)
	}
	if strings.ContainsAny(dir, "*?[") {
		return "", errs.Errorf(errs.Invalid, "the backup directory %s has * ? or [ in its path, which DuckDB would read as a pattern: move or link it to a plain name", dir)
	}
	return dir, nil
}

// backupFileName is the shape of every file name a backup may list: a plain name in DIR.
var backupFileName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$`)

// badFileName says why a file name in a manifest is not a file of the backup directory ("" when
// it is one).
func badFileName(name string) string {
	switch {
	case name == "":
		return "an empty file name"
	case filepath.IsAbs(name) || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		return "an absolute path: a backup names only files inside its directory"
	case strings.Contains(name, "..") || strings.ContainsAny(name, `/\`) || name != filepath.Base(name):
		return "a path outside the backup directory: a backup names only files inside it"
	case !backupFileName.MatchString(name):
		return "not a backup file name (letters, digits, _ . - and not starting with .)"
	}
	return ""
}

// verifyBackup reads a backup's manifest and checks every file it lists: a regular file in the
// directory (not a symbolic link) with the size and SHA-256 the manifest gives. Every file in
// the directory must be listed.
func verifyBackup(dir string) (*Manifest, error) {
	mpath := filepath.Join(dir, ManifestName)
	if fi, err := os.Lstat(mpath); err != nil || !fi.Mode().IsRegular() {
		reason := "not a regular file"
		if err != nil {
			reason = err.Error()
		}
		return nil, errs.Errorf(errs.Invalid, "%s is not a complete backup: %s: %s", dir, ManifestName, reason)
	}
	b, err := os.ReadFile(mpath)
	if err != nil {
		return nil, errs.Errorf(errs.Invalid, "%s is not a complete backup: %v", dir, err)
	}
	var man Manifest
	if err := json.Unmarshal(b, &man); err != nil || man.Format != BackupFormat {
		return nil, errs.Errorf(errs.Invalid, "%s: %s is not a %s manifest", dir, ManifestName, BackupFormat)
	}
	var problems errs.List
	names := map[string]bool{}
	for _, f := range man.Files {
		if reason := badFileName(f.Name); reason != "" {
			problems.Add(errs.Detail{File: f.Name, Reason: "the manifest names " + reason})
			continue
		}
		if names[f.Name] {
			problems.Add(errs.Detail{File: f.Name, Reason: "listed twice in the manifest"})
			continue
		}
		names[f.Name] = true
		path := filepath.Join(dir, f.Name)
		fi, err := os.Lstat(path)
		if err == nil && !fi.Mode().IsRegular() {
			what := "not a regular file"
			if fi.Mode()&os.ModeSymlink != 0 {
				what = "a symbolic link"
			}
			problems.Add(errs.Detail{File: f.Name, Reason: what + ": a backup holds only regular files"})
			continue
		}
		got, err := hashFile(path)
		switch {
		case err != nil:
			problems.Add(errs.Detail{File: f.Name, Reason: "missing or unreadable: " + err.Error()})
		case got.Bytes != f.Bytes || got.SHA256 != f.SHA256:
			problems.Add(errs.Detail{File: f.Name, Reason: fmt.Sprintf("checksum mismatch: %d bytes, sha256 %s; the manifest says %d bytes, sha256 %s",
				got.Bytes, got.SHA256, f.Bytes, f.SHA256)})
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() && e.Name() != ManifestName && !names[e.Name()] {
			problems.Add(errs.Detail{File: e.Name(), Reason: "not listed in the manifest"})
		}
	}
	if err := problems.Err("the backup in %s failed verification; nothing was restored", dir); err != nil {
		return nil, err
	}
	return &man, nil
}

// schemaInfo is what this binary's migrations create: the fixed tables and the sequences.
type schemaInfo struct {
	tables    map[string]bool
	sequences []string
}

// sequenceColumns gives, for each sequence the migrations create, the column it numbers. After
// a restore each sequence starts again after the highest id restored. A migration that adds a
// sequence must add it here: restore refuses to run otherwise.
var sequenceColumns = map[string]struct{ table, column string }{
	"revision_ids": {"revisions", "id"},
	"comment_ids":  {"commentary", "id"},
	"audit_ids":    {"audit_log", "id"},
}

// knownSchema migrates an empty in-memory database, the same way a fresh file is, and lists
// its tables and sequences: the only fixed tables a restore fills.
func knownSchema(ctx context.Context) (*schemaInfo, error) {
	db, err := store.Open("", store.Options{Threads: 1})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := scorecard.Migrate(ctx, db); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	tables, err := tableCounts(ctx, db)
	if err != nil {
		return nil, err
	}
	info := &schemaInfo{tables: map[string]bool{}}
	for name := range tables {
		if !fixedTableName.MatchString(name) || revTableName.MatchString(name) {
			return nil, fmt.Errorf("restore: the migrations create a table %q that restore cannot tell from a revision table", name)
		}
		info.tables[name] = true
	}
	rows, err := db.SQL.QueryContext(ctx, "SELECT sequence_name FROM duckdb_sequences() WHERE NOT temporary ORDER BY sequence_name")
	if err != nil {
		return nil, fmt.Errorf("restore: list sequences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		col, ok := sequenceColumns[name]
		if !ok || !info.tables[col.table] {
			return nil, fmt.Errorf("restore: the migrations create sequence %s, which restore does not know how to restart (add it to sequenceColumns)", name)
		}
		info.sequences = append(info.sequences, name)
	}
	return info, rows.Err()
}

var (
	// fixedTableName is the shape of a migrated table's name.
	fixedTableName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	// revTableName is a revision's table, rev_<id> (see datasets.Service).
	revTableName = regexp.MustCompile(`^rev_([1-9][0-9]{0,17})$`)
)

// restoreTable is one table a restore fills and the Parquet file it reads.
type restoreTable struct {
	name string
	file string // a file name in the backup directory, listed and verified
	rev  int64  // the revision id of rev_<id>; 0 for a fixed table
}

// planRestore maps every table of the manifest to its Parquet file and refuses the backup when
// a table is not one this binary knows (a migrated table, or rev_<id>), when a file is not a
// listed Parquet file inside DIR, or when a table, file or row count is missing or doubled.
// Fixed tables come first (sorted), then revision tables by id.
func planRestore(dir string, man *Manifest, known *schemaInfo) ([]restoreTable, error) {
	tableFiles := man.TableFiles
	if tableFiles == nil {
		// A backup made before the manifest named the files: the mapping is in load.sql,
		// which is read as text here (a checksummed file of the backup) and never executed.
		listed := slices.ContainsFunc(man.Files, func(f BackupFile) bool { return f.Name == "load.sql" })
		if !listed {
			return nil, errs.Errorf(errs.Invalid, "the backup in %s names no table's file (no table_files in %s and no load.sql); nothing was restored", dir, ManifestName)
		}
		b, err := os.ReadFile(filepath.Join(dir, "load.sql"))
		if err != nil {
			return nil, errs.Errorf(errs.Invalid, "the backup in %s: %v; nothing was restored", dir, err)
		}
		if tableFiles, err = parseLoadSQL(b); err != nil {
			return nil, errs.Errorf(errs.Invalid, "the backup in %s: %v; nothing was restored", dir, err)
		}
	}
	listed := map[string]bool{}
	for _, f := range man.Files {
		listed[f.Name] = true
	}
	var problems errs.List
	var plan []restoreTable
	used := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(tableFiles)) {
		file := tableFiles[name]
		t := restoreTable{name: name, file: file}
		if m := revTableName.FindStringSubmatch(name); m != nil {
			t.rev, _ = strconv.ParseInt(m[1], 10, 64)
		} else if !fixedTableName.MatchString(name) || !known.tables[name] {
			problems.Add(errs.Detail{Field: "table_files", Value: name, Reason: fmt.Sprintf("unknown table %q: not one of this version's tables nor a revision table rev_<id>", name)})
			continue
		}
		if _, ok := man.Tables[name]; !ok {
			problems.Add(errs.Detail{Field: "tables", Value: name, Reason: "the manifest gives no row count for this table"})
		}
		switch reason := badFileName(file); {
		case reason != "":
			problems.Add(errs.Detail{File: file, Value: name, Reason: "the file of table " + name + " is " + reason})
			continue
		case !strings.HasSuffix(file, ".parquet"):
			problems.Add(errs.Detail{File: file, Value: name, Reason: "the file of table " + name + " is not a Parquet file (.parquet)"})
			continue
		case !listed[file]:
			problems.Add(errs.Detail{File: file, Value: name, Reason: "the file of table " + name + " is not listed (with its checksum) in the manifest"})
			continue
		case used[file] != "":
			problems.Add(errs.Detail{File: file, Value: name, Reason: "the same file is given for tables " + used[file] + " and " + name})
			continue
		}
		used[file] = name
		plan = append(plan, t)
	}
	for _, name := range slices.Sorted(maps.Keys(man.Tables)) {
		if _, ok := tableFiles[name]; !ok {
			problems.Add(errs.Detail{Field: "tables", Value: name, Reason: "the manifest counts rows of this table but names no file for it"})
		}
	}
	mapped := map[string]bool{}
	for _, file := range tableFiles {
		mapped[file] = true
	}
	for _, f := range man.Files {
		switch {
		case f.Name == "schema.sql" || f.Name == "load.sql":
			// Kept for people reading the backup; never executed.
		case strings.HasSuffix(f.Name, ".parquet"):
			if badFileName(f.Name) == "" && !mapped[f.Name] {
				problems.Add(errs.Detail{File: f.Name, Reason: "the manifest lists this Parquet file for no table"})
			}
		default:
			if badFileName(f.Name) == "" {
				problems.Add(errs.Detail{File: f.Name, Reason: "not a file a backup holds (schema.sql, load.sql or a table's .parquet)"})
			}
		}
	}
	if err := problems.Err("the backup in %s names tables or files this version does not restore; nothing was restored", dir); err != nil {
		return nil, err
	}
	slices.SortStableFunc(plan, func(a, b restoreTable) int {
		if (a.rev == 0) != (b.rev == 0) {
			if a.rev == 0 {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.rev, b.rev), strings.Compare(a.name, b.name))
	})
	return plan, nil
}

// parseLoadSQL reads the table-to-file mapping out of a load.sql, as text (backup.ParseLoadSQL).
func parseLoadSQL(b []byte) (map[string]string, error) { return backup.ParseLoadSQL(b) }

// loadBackup fills a freshly migrated database from a planned backup in one transaction. DuckDB
// may read only the backup directory while it does (and afterwards: the database is closed
// after the restore). File paths are bound parameters; identifiers are quoted.
func loadBackup(ctx context.Context, db *store.DB, dir string, plan []restoreTable, known *schemaInfo) error {
	// Defence in depth: whatever a Parquet file holds, DuckDB can open no other file. Both
	// settings are global and last until the database is closed; the first one is a literal
	// because SET takes no parameters.
	for _, q := range []string{
		"SET allowed_directories = [" + store.QuoteLiteral(dir+string(filepath.Separator)) + "]",
		"SET enable_external_access = false",
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("restore: confine the database to %s: %w", dir, err)
		}
	}
	return db.Write(ctx, func(conn *sql.Conn) error {
		revIDs := map[int64]bool{}
		restored := map[int64]bool{}
		for _, t := range plan {
			path := filepath.Join(dir, t.file)
			if t.rev == 0 {
				q := "INSERT INTO " + store.QuoteIdent(t.name) + " BY NAME SELECT * FROM read_parquet(?)"
				if _, err := conn.ExecContext(ctx, q, path); err != nil {
					return errs.Errorf(errs.Invalid, "restore: table %s from %s: %v; nothing was changed", t.name, t.file, err)
				}
				if t.name == "revisions" {
					ids, err := int64Set(ctx, conn, "SELECT id FROM revisions")
					if err != nil {
						return err
					}
					revIDs = ids
				}
				continue
			}
			if !revIDs[t.rev] {
				return errs.Errorf(errs.Invalid, "restore: the backup has table %s but no revision %d in its revisions table; nothing was changed", t.name, t.rev)
			}
			q := "CREATE TABLE " + store.QuoteIdent(t.name) + " AS SELECT * FROM read_parquet(?)"
			if _, err := conn.ExecContext(ctx, q, path); err != nil {
				return errs.Errorf(errs.Invalid, "restore: table %s from %s: %v; nothing was changed", t.name, t.file, err)
			}
			restored[t.rev] = true
		}
		// Every dataset's current revision must have come back with its rows.
		rows, err := conn.QueryContext(ctx, "SELECT name, current_revision FROM datasets ORDER BY name")
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		var missing []string
		for rows.Next() {
			var name string
			var id int64
			if err := rows.Scan(&name, &id); err != nil {
				rows.Close()
				return err
			}
			if !restored[id] {
				missing = append(missing, fmt.Sprintf("%s (revision %d)", name, id))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(missing) > 0 {
			return errs.Errorf(errs.Invalid, "restore: the backup has no table for the current revision of %s; nothing was changed", strings.Join(missing, ", "))
		}
		for _, seq := range known.sequences {
			col := sequenceColumns[seq]
			var last int64
			q := "SELECT coalesce(max(" + store.QuoteIdent(col.column) + "), 0) FROM " + store.QuoteIdent(col.table)
			if err := conn.QueryRowContext(ctx, q).Scan(&last); err != nil {
				return fmt.Errorf("restore: highest %s.%s: %w", col.table, col.column, err)
			}
			// DuckDB has no setval or ALTER SEQUENCE RESTART; nothing depends on these sequences
			// (ids are taken with nextval in Go), so replacing them is safe. last is an integer.
			q = fmt.Sprintf("CREATE OR REPLACE SEQUENCE %s START %d", store.QuoteIdent(seq), max(last, 0)+1)
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("restore: restart sequence %s: %w", seq, err)
			}
		}
		return nil
	})
}

func int64Set(ctx context.Context, conn *sql.Conn, q string) (map[int64]bool, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// openExisting opens an existing database file without creating, migrating or seeding it.
func openExisting(path string) (*store.DB, error) {
	db, err := store.Open(path)
	if err != nil {
		if strings.Contains(err.Error(), "lock") {
			return nil, errs.Errorf(errs.Conflict, "%s is in use by another process (is scorecard serve running on it?): %v", path, err)
		}
		return nil, err
	}
	return db, nil
}

func tableCounts(ctx context.Context, db *store.DB) (map[string]int64, error) {
	return backup.TableCounts(ctx, db)
}

func hashFile(path string) (BackupFile, error) { return backup.HashFile(path) }

// hasFlag reports whether args set the named flag (as -name, --name or --name=value).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}
