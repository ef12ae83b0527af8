package backup_test

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/backup"
	"github.com/childrens-trust/scorecard/store"
)

// A backup written from a database goes through the archive unchanged: every file, its checksum
// and the manifest.
func TestWriteAndArchiveRoundTrip(t *testing.T) {
	db, err := store.Open("", store.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE revisions (id BIGINT, dataset VARCHAR); INSERT INTO revisions VALUES (1, 'a'), (2, 'b')"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	man, err := backup.Write(ctx, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	if man.Tables["revisions"] != 2 || man.TableFiles["revisions"] == "" || man.Format != backup.Format {
		t.Fatalf("manifest: %+v", man)
	}
	if _, err := backup.Write(ctx, db, dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second backup into the same directory: %v", err)
	}
	var buf bytes.Buffer
	if err := backup.WriteTar(&buf, dir, man); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x")
	names, err := backup.ExtractTar(&buf, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(man.Files)+1 || names[len(names)-1] != backup.ManifestName {
		t.Errorf("extracted %v", names)
	}
	for _, f := range man.Files {
		got, err := backup.HashFile(filepath.Join(out, f.Name))
		if err != nil || got != f {
			t.Errorf("%s: %+v %v, want %+v", f.Name, got, err, f)
		}
	}
}

// An archive entry that is not a plain file of the backup directory is refused before it is
// written: paths, links, directories, duplicates; and an archive without a manifest.
func TestExtractTarRefusesWhatIsNotABackup(t *testing.T) {
	type entry struct {
		name string
		typ  byte
		body string
	}
	cases := []struct {
		name    string
		entries []entry
		want    string
	}{
		{"a path outside the directory", []entry{{"../evil.parquet", tar.TypeReg, "x"}}, "not a plain file"},
		{"an absolute path", []entry{{"/etc/passwd", tar.TypeReg, "x"}}, "not a plain file"},
		{"a subdirectory path", []entry{{"sub/a.parquet", tar.TypeReg, "x"}}, "not a plain file"},
		{"a symbolic link", []entry{{"a.parquet", tar.TypeSymlink, ""}}, "not a plain file"},
		{"a directory", []entry{{"dir", tar.TypeDir, ""}}, "not a plain file"},
		{"a hidden file", []entry{{".a", tar.TypeReg, "x"}}, "not a plain file"},
		{"the same file twice", []entry{{"a.parquet", tar.TypeReg, "x"}, {"a.parquet", tar.TypeReg, "y"}}, "not a plain file"},
		{"no manifest", []entry{{"a.parquet", tar.TypeReg, "x"}}, "no manifest.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			for _, e := range c.entries {
				h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body))}
				if e.typ == tar.TypeSymlink {
					h.Linkname = "/etc/passwd"
				}
				if e.typ != tar.TypeReg {
					h.Size = 0
				}
				if err := tw.WriteHeader(h); err != nil {
					t.Fatal(err)
				}
				tw.Write([]byte(e.body))
			}
			tw.Close()
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			_, err := backup.ExtractTar(&buf, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(parent, "evil.parquet")); err == nil {
				t.Error("a file was written outside the directory")
			}
		})
	}
}
