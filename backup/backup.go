// Package backup writes consistent backups of a scorecard database: DuckDB's EXPORT DATABASE
// (schema.sql, load.sql and a Parquet file per table) plus a manifest with every file's size and
// SHA-256 and every table's row count. A backup can be made from a database no one else has
// open (scorecard backup DIR) or from a running server (POST /api/v1/admin/backup, scorecard
// backup --from-server URL): both hold the store's write lock for the export, so no write commits
// half-way through it. scorecard restore --from DIR reads the result.
package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// ManifestName is the file in a backup directory that lists every other file with its size
// and SHA-256. It is written last: a directory without it is not a complete backup.
const ManifestName = "manifest.json"

// Format identifies the layout of a backup directory.
const Format = "scorecard-backup/1"

// Manifest describes a backup.
type Manifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Database is the file the backup was made from; DuckDB its engine version.
	Database string `json:"database"`
	DuckDB   string `json:"duckdb"`
	// Tables gives each table's row count, checked again after a restore.
	Tables map[string]int64 `json:"tables"`
	// TableFiles names each table's Parquet file (DuckDB's EXPORT does not name them after the
	// table: rev_12 is written as rev__.parquet or similar). Backups made before it was added
	// carry the same mapping only in load.sql, which restore then reads as text (never runs).
	TableFiles map[string]string `json:"table_files,omitempty"`
	Files      []File            `json:"files"`
}

// File is one file of a backup.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Write exports db into dir, which must be empty or not exist, and writes the manifest last.
// The row counts and the export run under the store's write lock (store.DB.Exclusive), so they
// describe one committed state even while a server goes on reading and accepting uploads: a
// write that commits before Write takes the lock is in the backup, one that starts after waits
// (ctx bounds how long Write itself waits for a write in progress). Reads are not blocked.
func Write(ctx context.Context, db *store.DB, dir string) (*Manifest, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, errs.Errorf(errs.Conflict, "%s is not empty: back up into a new directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	man := &Manifest{Format: Format, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	if db.Path != "" {
		if abs, err := filepath.Abs(db.Path); err == nil {
			man.Database = abs
		}
	}
	err = db.Exclusive(ctx, func(conn *sql.Conn) error {
		if err := conn.QueryRowContext(ctx, "SELECT version()").Scan(&man.DuckDB); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		var err error
		if man.Tables, err = countTables(ctx, conn); err != nil {
			return err
		}
		// EXPORT takes no bound parameters: the directory is quoted as a literal.
		if _, err := conn.ExecContext(ctx, "EXPORT DATABASE "+store.QuoteLiteral(dir)+" (FORMAT parquet)"); err != nil {
			return fmt.Errorf("backup: export database: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The load script DuckDB has just written is the only record of which file holds which
	// table; the manifest keeps that mapping so restore needs no script.
	load, err := os.ReadFile(filepath.Join(dir, "load.sql"))
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if man.TableFiles, err = ParseLoadSQL(load); err != nil {
		return nil, fmt.Errorf("backup: the load.sql DuckDB wrote: %w", err)
	}
	for name := range man.Tables {
		if _, ok := man.TableFiles[name]; !ok {
			return nil, fmt.Errorf("backup: DuckDB exported no Parquet file for table %s", name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == ManifestName {
			continue
		}
		f, err := HashFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		man.Files = append(man.Files, f)
	}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(dir, ManifestName+".tmp")
	if err := writeFileSync(tmp, append(b, '\n')); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestName)); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return man, nil
}

// Bytes is the total size of the backup's files, the manifest aside.
func (m *Manifest) Bytes() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Bytes
	}
	return n
}

// TableCounts gives the row count of every table in the main schema.
func TableCounts(ctx context.Context, db *store.DB) (map[string]int64, error) {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer conn.Close()
	return countTables(ctx, conn)
}

func countTables(ctx context.Context, conn *sql.Conn) (map[string]int64, error) {
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'")
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
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+store.QuoteIdent(n)).Scan(&k); err != nil {
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		out[n] = k
	}
	return out, nil
}

// loadStatement is the one statement DuckDB's EXPORT DATABASE writes per table in load.sql.
var loadStatement = regexp.MustCompile(`^COPY (?:"([A-Za-z0-9_]+)"|([A-Za-z0-9_]+)) FROM '((?:[^']|'')*)' \(FORMAT '?parquet'?\);$`)

// ParseLoadSQL reads, as text, the table-to-file mapping out of a load.sql written by DuckDB's
// EXPORT DATABASE: every non-blank line must be exactly COPY <table> FROM '<path>' (FORMAT
// 'parquet'); only the path's final element (a file name in the backup directory) is kept.
func ParseLoadSQL(b []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		m := loadStatement.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("load.sql line %d is not a COPY <table> FROM '<file>' (FORMAT 'parquet') statement; restore reads only those, and runs none", n)
		}
		name := m[1] + m[2]
		path := strings.ReplaceAll(m[3], "''", "'")
		if filepath.Clean(path) != path {
			return nil, fmt.Errorf("load.sql line %d: the path %q is not clean", n, path)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("load.sql line %d: table %s appears twice", n, name)
		}
		out[name] = filepath.Base(path)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load.sql: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("load.sql names no table")
	}
	return out, nil
}

// HashFile gives a file's base name, size and SHA-256.
func HashFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Name: filepath.Base(path), Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
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

// WriteTar writes the files of the backup in dir (the manifest last, as on disk) to w as an
// uncompressed tar archive of plain file names: Parquet is compressed already.
func WriteTar(w io.Writer, dir string, man *Manifest) error {
	tw := tar.NewWriter(w)
	names := make([]string, 0, len(man.Files)+1)
	for _, f := range man.Files {
		names = append(names, f.Name)
	}
	names = append(names, ManifestName)
	for _, name := range names {
		if err := addFile(tw, filepath.Join(dir, name), name, man.CreatedAt); err != nil {
			return fmt.Errorf("backup archive: %s: %w", name, err)
		}
	}
	return tw.Close()
}

func addFile(tw *tar.Writer, path, name string, mod time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: fi.Size(), ModTime: mod, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// fileName is the shape of every file name a backup archive may hold: a plain name.
var fileName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$`)

// MaxArchiveFiles bounds the entries ExtractTar accepts (a backup has one file per table).
const MaxArchiveFiles = 100_000

// ExtractTar writes the regular files of a tar archive made by WriteTar into dir, which must
// be empty or not exist. Only plain file names are accepted (no directories, links or paths);
// anything else is refused before it is written. It returns the names written. The result is
// checked by restore's verification of the manifest, not here.
func ExtractTar(r io.Reader, dir string) ([]string, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, errs.Errorf(errs.Conflict, "%s is not empty: back up into a new directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	tr := tar.NewReader(r)
	var names []string
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return names, fmt.Errorf("backup archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg || !fileName.MatchString(h.Name) || strings.Contains(h.Name, "..") || seen[h.Name] {
			return names, errs.Errorf(errs.Invalid, "backup archive: entry %q is not a plain file of a backup", h.Name)
		}
		if len(names) >= MaxArchiveFiles {
			return names, errs.Errorf(errs.Invalid, "backup archive: more than %d files", MaxArchiveFiles)
		}
		seen[h.Name] = true
		if err := extractFile(tr, filepath.Join(dir, h.Name), h.Size); err != nil {
			return names, fmt.Errorf("backup archive: %s: %w", h.Name, err)
		}
		names = append(names, h.Name)
	}
	if !seen[ManifestName] {
		return names, errs.Errorf(errs.Invalid, "backup archive: no %s: the backup is incomplete", ManifestName)
	}
	return names, nil
}

func extractFile(r io.Reader, path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if err == nil && n != size {
		err = fmt.Errorf("%d bytes, the archive says %d", n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
