package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
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
	db := filepath.Join(dir, "scorecard.duckdb")
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
