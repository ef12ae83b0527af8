package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// ManifestName is the file in a backup directory that lists every other file with its size
// and SHA-256. It is written last: a directory without it is not a complete backup.
const ManifestName = "manifest.json"

// BackupFormat identifies the layout of a backup directory.
const BackupFormat = "scorecard-backup/1"

// Manifest describes a backup made by "scorecard backup".
type Manifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Database is the file the backup was made from; DuckDB its engine version.
	Database string `json:"database"`
	DuckDB   string `json:"duckdb"`
	// Tables gives each table's row count, checked again after a restore.
	Tables map[string]int64 `json:"tables"`
	Files  []BackupFile     `json:"files"`
}

// BackupFile is one file of a backup.
type BackupFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// backup exports the database to a new directory with DuckDB's EXPORT DATABASE (schema.sql,
// load.sql and a Parquet file per table) and writes manifest.json with every file's SHA-256.
func (m *Main) backup(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("backup", &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(m.Stderr, "usage: scorecard backup [--db PATH] DIR")
		return errUsage
	}
	dir, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	if fi, err := os.Stat(c.db); err != nil || fi.Size() == 0 {
		return errs.Errorf(errs.NotFound, "no database at %s to back up", c.db)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return errs.Errorf(errs.Conflict, "%s is not empty: back up into a new directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	db, err := openExisting(c.db)
	if err != nil {
		return err
	}
	defer db.Close()
	man := Manifest{Format: BackupFormat, CreatedAt: time.Now().UTC().Truncate(time.Second), Tables: map[string]int64{}}
	if abs, err := filepath.Abs(c.db); err == nil {
		man.Database = abs
	}
	if err := db.SQL.QueryRowContext(ctx, "SELECT version()").Scan(&man.DuckDB); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if man.Tables, err = tableCounts(ctx, db); err != nil {
		return err
	}
	// EXPORT takes no bound parameters: the directory is quoted as a literal.
	if _, err := db.SQL.ExecContext(ctx, "EXPORT DATABASE "+store.QuoteLiteral(dir)+" (FORMAT parquet)"); err != nil {
		return fmt.Errorf("backup: export database: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	var total int64
	for _, e := range entries {
		if e.IsDir() || e.Name() == ManifestName {
			continue
		}
		f, err := hashFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		total += f.Bytes
		man.Files = append(man.Files, f)
	}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestName+".tmp")
	if err := writeFileSync(tmp, append(b, '\n')); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestName)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(m.Stdout, "backed up %s to %s: %d tables, %d files, %d bytes (manifest %s)\n",
		c.db, dir, len(man.Tables), len(man.Files), total, ManifestName)
	return nil
}

// restoreBackup creates a database from a backup directory: it verifies every file against the
// manifest, imports into a new file beside the target, checks every table's row count, and
// only then moves the new file into place. An existing non-empty database is replaced only with
// --force, and is kept beside it as PATH.before-restore-TIME.
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
	dir, err := filepath.Abs(*from)
	if err != nil {
		return err
	}
	man, err := verifyBackup(dir)
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
	db, err := store.Open(tmp)
	if err != nil {
		return err
	}
	cleanup := func() { db.Close(); os.Remove(tmp); os.Remove(tmp + ".wal") }
	if _, err := db.SQL.ExecContext(ctx, "IMPORT DATABASE "+store.QuoteLiteral(dir)); err != nil {
		cleanup()
		return fmt.Errorf("restore: import database: %w", err)
	}
	counts, err := tableCounts(ctx, db)
	if err != nil {
		cleanup()
		return err
	}
	for name, n := range man.Tables {
		if counts[name] != n {
			cleanup()
			return errs.Errorf(errs.Invalid, "restore: table %s has %d rows after the import, the manifest says %d; nothing was changed", name, counts[name], n)
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
		c.db, dir, man.CreatedAt.Format(time.RFC3339), len(man.Tables))
	return nil
}

// verifyBackup reads a backup's manifest and checks every file it lists (size and SHA-256), and
// that the files DuckDB's IMPORT reads are among them.
func verifyBackup(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, errs.Errorf(errs.Invalid, "%s is not a complete backup: %v", dir, err)
	}
	var man Manifest
	if err := json.Unmarshal(b, &man); err != nil || man.Format != BackupFormat {
		return nil, errs.Errorf(errs.Invalid, "%s: %s is not a %s manifest", dir, ManifestName, BackupFormat)
	}
	var problems errs.List
	var names []string
	for _, f := range man.Files {
		names = append(names, f.Name)
		if f.Name != filepath.Base(f.Name) || strings.HasPrefix(f.Name, ".") {
			problems.Add(errs.Detail{File: f.Name, Reason: "the manifest names a file outside the backup directory"})
			continue
		}
		got, err := hashFile(filepath.Join(dir, f.Name))
		switch {
		case err != nil:
			problems.Add(errs.Detail{File: f.Name, Reason: "missing or unreadable: " + err.Error()})
		case got.Bytes != f.Bytes || got.SHA256 != f.SHA256:
			problems.Add(errs.Detail{File: f.Name, Reason: fmt.Sprintf("checksum mismatch: %d bytes, sha256 %s; the manifest says %d bytes, sha256 %s",
				got.Bytes, got.SHA256, f.Bytes, f.SHA256)})
		}
	}
	for _, need := range []string{"schema.sql", "load.sql"} {
		if !slices.Contains(names, need) {
			problems.Add(errs.Detail{File: need, Reason: "not listed in the manifest"})
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() && e.Name() != ManifestName && !slices.Contains(names, e.Name()) {
			problems.Add(errs.Detail{File: e.Name(), Reason: "not listed in the manifest"})
		}
	}
	if err := problems.Err("the backup in %s failed verification; nothing was restored", dir); err != nil {
		return nil, err
	}
	return &man, nil
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
	rows, err := db.SQL.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'")
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var k int64
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM "+store.QuoteIdent(n)).Scan(&k); err != nil {
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		out[n] = k
	}
	return out, nil
}

func hashFile(path string) (BackupFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return BackupFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return BackupFile{}, err
	}
	return BackupFile{Name: filepath.Base(path), Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

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
