package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/reliability"
	"github.com/childrens-trust/scorecard/store"
)

// smallDB creates a database at path with only the shipped local_returns dataset, evaluated:
// commands then find datasets and do not seed the full shipped data (which takes seconds).
func smallDB(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := scorecard.LoadShippedDataset(ctx, app.Datasets, "local_returns"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Engine.EvaluateAll(ctx); err != nil {
		t.Fatal(err)
	}
}

func fingerprintFile(t *testing.T, path string) reliability.Fingerprint {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fp, err := reliability.TakeFingerprint(context.Background(), db.SQL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// A backup restores to a database whose every table hashes the same as the original; a
// damaged backup is refused before anything is touched; an existing database is replaced
// only with --force and kept; and the restored database takes new revisions after the old.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := seededDB(t, dir)
	smallDB(t, db)
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("indicator,area,period,value,note\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4,caf\xc3\xa9\n"), 0o644)
	if out, err := run(t, "load", "--db", db, "--dataset", "local_returns", good); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	orig := fingerprintFile(t, db)

	bak := filepath.Join(dir, "backup")
	out, err := run(t, "backup", "--db", db, bak)
	if err != nil || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	var man Manifest
	b, err := os.ReadFile(filepath.Join(bak, ManifestName))
	if err != nil || json.Unmarshal(b, &man) != nil {
		t.Fatalf("manifest: %v %s", err, b)
	}
	if man.Format != BackupFormat || len(man.Files) < len(orig)+2 || man.Tables["revisions"] == 0 || man.Tables["evaluations"] == 0 {
		t.Errorf("manifest: %d files for %d tables, tables %v", len(man.Files), len(orig), man.Tables)
	}
	for _, f := range man.Files {
		if len(f.SHA256) != 64 || f.Bytes == 0 {
			t.Errorf("manifest file %+v", f)
		}
	}
	if _, err := run(t, "backup", "--db", db, bak); err == nil {
		t.Error("backup into a non-empty directory was allowed")
	}

	restored := filepath.Join(dir, "restored.duckdb")
	if out, err := run(t, "restore", "--from", bak, "--db", restored); err != nil || !strings.Contains(out, "checksums and row counts verified") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if diff := orig.Diff(fingerprintFile(t, restored)); len(diff) > 0 {
		t.Errorf("restored database differs:\n%s", strings.Join(diff, "\n"))
	}

	// Refused without --force; with it, the old file is kept beside the new.
	out, err = run(t, "restore", "--from", bak, "--db", db)
	if err == nil || !strings.Contains(out, "already holds a database") {
		t.Errorf("restore over an existing database: %v\n%s", err, out)
	}
	if out, err := run(t, "restore", "--from", bak, "--db", db, "--force"); err != nil || !strings.Contains(out, "is kept as") {
		t.Errorf("restore --force: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(db + ".before-restore-*")
	if len(kept) != 1 {
		t.Errorf("old database kept as %v", kept)
	}

	// The restored database goes on: the next revision follows the restored ones.
	out, err = run(t, "load", "--db", restored, "--dataset", "local_returns", good)
	if err != nil {
		t.Fatalf("load into the restored database: %v\n%s", err, out)
	}
	if want := "revision " + jsonNum(man.Tables["revisions"]+1) + ","; !strings.Contains(out, want) {
		t.Errorf("load after restore: %s (want %q)", out, want)
	}

	// A damaged file is found before anything is touched.
	var parquet string
	for _, f := range man.Files {
		if strings.HasSuffix(f.Name, ".parquet") {
			parquet = filepath.Join(bak, f.Name)
			break
		}
	}
	data, _ := os.ReadFile(parquet)
	data[len(data)/2] ^= 0xFF
	os.WriteFile(parquet, data, 0o644)
	target := filepath.Join(dir, "never.duckdb")
	out, err = run(t, "restore", "--from", bak, "--db", target)
	if err == nil || !strings.Contains(out, "checksum mismatch") || !strings.Contains(out, filepath.Base(parquet)) {
		t.Errorf("restore of a damaged backup: %v\n%s", err, out)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("a damaged backup created %s", target)
	}
}

func jsonNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// richDB is smallDB with something in every table: a second, a rejected and a restored
// revision of local_returns, a comment, a token and an audit row.
func richDB(t *testing.T, path string) {
	t.Helper()
	smallDB(t, path)
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	good := "indicator,area,period,value,note\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4,caf\xc3\xa9\n"
	if _, _, err := app.Load(ctx, "local_returns", strings.NewReader(good), datasets.Upload{FileName: "good.csv", By: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.Load(ctx, "local_returns", strings.NewReader("indicator,area\nnope,nowhere\n"), datasets.Upload{FileName: "bad.csv", By: "test"}); err == nil {
		t.Fatal("a bad upload was accepted")
	}
	if _, _, err := app.Restore(ctx, "local_returns", 1, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Engine.AddComment(ctx, "secondary-good-outstanding-schools", "836", "2016-17 Q4", engine.Poster{TokenID: "tok_test", TokenName: "tester"}, "tester", "a note"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.Auth.Create(ctx, "ops", auth.Admin, nil); err != nil {
		t.Fatal(err)
	}
	if err := app.Auth.Record(ctx, auth.Record{Method: "GET", Route: "/api/v1/areas", Path: "/api/v1/areas", Status: 200}); err != nil {
		t.Fatal(err)
	}
}

// columnTypes lists every column of every table with its type ("table.column" -> type).
func columnTypes(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.SQL.Query("SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var tbl, col, typ string
		if err := rows.Scan(&tbl, &col, &typ); err != nil {
			t.Fatal(err)
		}
		out[tbl+"."+col] = typ
	}
	return out
}

func readManifest(t *testing.T, dir string) *Manifest {
	t.Helper()
	var man Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil || json.Unmarshal(b, &man) != nil {
		t.Fatalf("manifest: %v %s", err, b)
	}
	return &man
}

// rewriteManifest lets edit change a backup's manifest, then gives every listed file that exists
// its true size and SHA-256, as someone able to write the backup directory would.
func rewriteManifest(t *testing.T, dir string, edit func(*Manifest)) {
	t.Helper()
	man := readManifest(t, dir)
	edit(man)
	for i, f := range man.Files {
		if got, err := hashFile(filepath.Join(dir, f.Name)); err == nil {
			got.Name = f.Name
			man.Files[i] = got
		}
	}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Finding 17: restore used to run the backup's schema.sql and load.sql (IMPORT DATABASE), so
// whoever could write a backup directory could run any DuckDB SQL, such as a COPY that writes a
// file. Now the schema comes from the binary's migrations and only the listed Parquet files are
// read: planted SQL, with the manifest's checksums made to match, is never run, and the restore
// still comes out identical to the original.
func TestFinding17RestoreRunsNoBackupSQL(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "scorecard.duckdb")
	richDB(t, src)
	orig := fingerprintFile(t, src)
	origTypes := columnTypes(t, src)
	clean := filepath.Join(dir, "clean")
	if out, err := run(t, "backup", "--db", src, clean); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if man := readManifest(t, clean); len(man.TableFiles) != len(man.Tables) {
		t.Fatalf("manifest maps %d tables to files, counts %d: %v", len(man.TableFiles), len(man.Tables), man.TableFiles)
	}

	outside := t.TempDir()
	pwned := func(which string) string { return filepath.Join(outside, which+"-pwned.csv") }
	plant := func(bak string) {
		appendFile(t, filepath.Join(bak, "schema.sql"), "\nCOPY (SELECT 'schema.sql ran') TO "+store.QuoteLiteral(pwned("schema"))+" (FORMAT csv);\nCREATE TABLE evil AS SELECT 1 AS x;\n")
		appendFile(t, filepath.Join(bak, "load.sql"), "COPY (SELECT 'load.sql ran') TO "+store.QuoteLiteral(pwned("load"))+" (FORMAT csv);\n")
	}
	nothingWritten := func() {
		t.Helper()
		for _, which := range []string{"schema", "load"} {
			if _, err := os.Stat(pwned(which)); !os.IsNotExist(err) {
				t.Fatalf("the backup's %s.sql was executed: %s exists (%v)", which, pwned(which), err)
			}
		}
	}
	same := func(path string) {
		t.Helper()
		if diff := orig.Diff(fingerprintFile(t, path)); len(diff) > 0 {
			t.Errorf("restored database differs:\n%s", strings.Join(diff, "\n"))
		}
		got := columnTypes(t, path)
		for k, v := range origTypes {
			if got[k] != v {
				t.Errorf("column %s: type %q after restore, was %q", k, got[k], v)
			}
		}
		if len(got) != len(origTypes) {
			t.Errorf("%d columns after restore, %d before", len(got), len(origTypes))
		}
	}

	// The planted SQL is live: DuckDB's own IMPORT DATABASE (what restore used to do) runs it.
	probe := filepath.Join(dir, "probe")
	copyDir(t, clean, probe)
	plant(probe)
	mem, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	_, err = mem.SQL.Exec("IMPORT DATABASE " + store.QuoteLiteral(probe))
	mem.Close()
	if _, serr := os.Stat(pwned("schema")); err != nil || serr != nil {
		t.Fatalf("the planted SQL did not run under IMPORT DATABASE (%v, %v): the test proves nothing", err, serr)
	}
	os.Remove(pwned("schema"))
	os.Remove(pwned("load"))

	// A current backup (the manifest names every table's file) with both scripts poisoned.
	bak := filepath.Join(dir, "planted")
	copyDir(t, clean, bak)
	plant(bak)
	rewriteManifest(t, bak, func(*Manifest) {})
	restored := filepath.Join(dir, "restored.duckdb")
	out, err := run(t, "restore", "--from", bak, "--db", restored)
	if err != nil || !strings.Contains(out, "checksums and row counts verified") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	nothingWritten()
	same(restored)

	// A backup made before the manifest named the files: the mapping is read from load.sql as
	// text. A poisoned schema.sql is ignored; a load.sql with anything but its COPY lines is
	// refused, and nothing runs either way.
	old := filepath.Join(dir, "old")
	copyDir(t, clean, old)
	appendFile(t, filepath.Join(old, "schema.sql"), "\nCOPY (SELECT 'schema.sql ran') TO "+store.QuoteLiteral(pwned("schema"))+" (FORMAT csv);\n")
	rewriteManifest(t, old, func(m *Manifest) { m.TableFiles = nil })
	oldRestored := filepath.Join(dir, "old.duckdb")
	if out, err := run(t, "restore", "--from", old, "--db", oldRestored); err != nil {
		t.Fatalf("restore of a backup without table_files: %v\n%s", err, out)
	}
	nothingWritten()
	same(oldRestored)

	plant(old)
	rewriteManifest(t, old, func(*Manifest) {})
	never := filepath.Join(dir, "never.duckdb")
	out, err = run(t, "restore", "--from", old, "--db", never)
	if err == nil || !strings.Contains(out, "load.sql line") || !strings.Contains(out, "runs none") {
		t.Errorf("restore with a poisoned load.sql and no table_files: %v\n%s", err, out)
	}
	nothingWritten()
	if _, err := os.Stat(never); !os.IsNotExist(err) {
		t.Errorf("a refused restore created %s", never)
	}

	// Every sequence goes on after the highest id restored.
	db, err := store.Open(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for seq, col := range sequenceColumns {
		var next, last int64
		if err := db.SQL.QueryRow("SELECT coalesce(max(" + store.QuoteIdent(col.column) + "), 0) FROM " + store.QuoteIdent(col.table)).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL.QueryRow("SELECT nextval(?)", seq).Scan(&next); err != nil {
			t.Fatal(err)
		}
		if last == 0 || next != last+1 {
			t.Errorf("sequence %s gives %d next; the highest %s.%s restored is %d", seq, next, col.table, col.column, last)
		}
	}
}

// A manifest that names a table this version does not have, a revision table with no revision,
// a file outside the backup directory (relative, absolute or through a symbolic link) is
// refused with an error saying which, and nothing is created.
func TestRestoreRefusesUnknownTablesAndPathsOutside(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "scorecard.duckdb")
	smallDB(t, src)
	clean := filepath.Join(dir, "clean")
	if out, err := run(t, "backup", "--db", src, clean); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	man := readManifest(t, clean)
	revFile := man.TableFiles["revisions"]
	if revFile == "" {
		t.Fatalf("no file for revisions: %v", man.TableFiles)
	}
	copyTo := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		setup func(bak string)
		want  []string
	}{
		{"unknown table", func(bak string) {
			copyTo(filepath.Join(bak, revFile), filepath.Join(bak, "evil.parquet"))
			rewriteManifest(t, bak, func(m *Manifest) {
				m.TableFiles["evil"] = "evil.parquet"
				m.Tables["evil"] = 1
				m.Files = append(m.Files, BackupFile{Name: "evil.parquet"})
			})
		}, []string{"evil", "unknown table"}},
		{"a table name that is SQL", func(bak string) {
			rewriteManifest(t, bak, func(m *Manifest) {
				m.TableFiles[`datasets"; COPY datasets TO '/tmp/x'; --`] = m.TableFiles["datasets"]
				delete(m.TableFiles, "datasets")
			})
		}, []string{"unknown table", "names no file"}},
		{"revision table without a revision", func(bak string) {
			copyTo(filepath.Join(bak, man.TableFiles["rev_1"]), filepath.Join(bak, "extra.parquet"))
			rewriteManifest(t, bak, func(m *Manifest) {
				m.TableFiles["rev_999"] = "extra.parquet"
				m.Tables["rev_999"] = m.Tables["rev_1"]
				m.Files = append(m.Files, BackupFile{Name: "extra.parquet"})
			})
		}, []string{"rev_999", "no revision 999"}},
		{"relative path outside", func(bak string) {
			copyTo(filepath.Join(bak, revFile), filepath.Join(filepath.Dir(bak), "outside.parquet"))
			rewriteManifest(t, bak, func(m *Manifest) {
				m.TableFiles["revisions"] = "../outside.parquet"
				m.Files = append(m.Files, BackupFile{Name: "../outside.parquet"})
			})
		}, []string{"../outside.parquet", "outside the backup directory"}},
		{"absolute path", func(bak string) {
			abs := filepath.Join(filepath.Dir(bak), "abs.parquet")
			copyTo(filepath.Join(bak, revFile), abs)
			rewriteManifest(t, bak, func(m *Manifest) { m.TableFiles["revisions"] = abs })
		}, []string{"abs.parquet", "absolute path"}},
		{"symbolic link", func(bak string) {
			target := filepath.Join(filepath.Dir(bak), "linked.parquet")
			copyTo(filepath.Join(bak, revFile), target)
			os.Remove(filepath.Join(bak, revFile))
			if err := os.Symlink(target, filepath.Join(bak, revFile)); err != nil {
				t.Fatal(err)
			}
			rewriteManifest(t, bak, func(*Manifest) {})
		}, []string{revFile, "symbolic link"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(dir, fmt.Sprint("case", i))
			bak := filepath.Join(root, "bak")
			copyDir(t, clean, bak)
			tc.setup(bak)
			target := filepath.Join(root, "never.duckdb")
			out, err := run(t, "restore", "--from", bak, "--db", target)
			if err == nil {
				t.Fatalf("restore succeeded:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("error does not say %q:\n%s", w, out)
				}
			}
			for _, p := range []string{target, target + ".restoring", target + ".restoring.wal"} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("a refused restore left %s", p)
				}
			}
		})
	}
}

// Beyond the checks on names, DuckDB itself may open no file outside the backup directory
// while it restores: a plan that points outside (which planRestore never makes) fails.
func TestRestoreConfinesDuckDBToTheBackup(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "scorecard.duckdb")
	smallDB(t, src)
	bak := filepath.Join(dir, "bak")
	if out, err := run(t, "backup", "--db", src, bak); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	man := readManifest(t, bak)
	b, err := os.ReadFile(filepath.Join(bak, man.TableFiles["revisions"]))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "outside.parquet"), b, 0o644)
	ctx := context.Background()
	known, err := knownSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "new.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := scorecard.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	err = loadBackup(ctx, db, bak, []restoreTable{{name: "revisions", file: "../outside.parquet"}}, known)
	if err == nil || !strings.Contains(err.Error(), "disabled by configuration") {
		t.Errorf("reading a file outside the backup directory: %v", err)
	}
}
