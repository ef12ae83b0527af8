package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/backup"
	"github.com/childrens-trust/scorecard/buildinfo"
)

// GET /api/v1/version gives the build, the DuckDB library's version and the data version, which
// moves with an accepted upload; /metrics carries the same build as scorecard_build_info.
func TestVersionEndpointAndBuildInfoMetric(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	v := newValidator(t)
	validate(t, v, f.handler, []call{{method: "GET", path: "/api/v1/version", status: 200}})

	duck, err := f.db.DuckDBVersion(context.Background())
	if err != nil || !strings.HasPrefix(duck, "v1.") {
		t.Fatalf("DuckDB's own version: %q %v", duck, err)
	}
	get := func() api.VersionInfo {
		t.Helper()
		rec := f.call(t, asNone, http.MethodGet, "/api/v1/version", nil)
		if rec.Code != 200 {
			t.Fatalf("version: %d %s", rec.Code, rec.Body)
		}
		var got api.VersionInfo
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	before := get()
	b := buildinfo.Get()
	if before.Version != b.Version || before.Commit != b.Commit || before.Date != b.Date || before.GoVersion != runtime.Version() {
		t.Errorf("build: %+v, want %+v with %s", before.Info, b, runtime.Version())
	}
	if before.DuckDB != duck || before.DataVersion != f.db.Version().Tag() || before.DataModified.IsZero() {
		t.Errorf("version: %+v; want duckdb %s, data version %s", before, duck, f.db.Version().Tag())
	}
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow)); rec.Code != 201 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	after := get()
	if after.DataVersion == before.DataVersion || after.DataModified.Before(before.DataModified) {
		t.Errorf("the data version did not move with an upload: %s -> %s", before.DataVersion, after.DataVersion)
	}

	rec := f.call(t, asNone, http.MethodGet, "/metrics", nil)
	want := `scorecard_build_info{commit="` + b.Commit + `",duckdb_version="` + duck + `",go_version="` + b.GoVersion + `",version="` + b.Version + `"} 1`
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics has no %s:\n%.2000s", want, rec.Body)
	}
}

// POST /api/v1/admin/backup streams a complete backup of the running database: every file the
// manifest lists, with its checksum, and the row counts of the state it was taken in. Only an
// admin may take one.
func TestAdminBackupStreamsAVerifiedArchive(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	f.srv.Backups = f.app
	v := newValidator(t)
	validate(t, v, f.handler, []call{
		{method: "POST", path: "/api/v1/admin/backup", status: 401},
		{method: "POST", path: "/api/v1/admin/backup", headers: f.bearer(asViewer), status: 403},
		{method: "POST", path: "/api/v1/admin/backup", headers: f.bearer(asUploaderOwn), status: 403},
	})
	rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/admin/backup", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/x-tar" ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), `attachment; filename="scorecard-backup-`) {
		t.Fatalf("backup: %d %v %.300s", rec.Code, rec.Header(), rec.Body)
	}
	dir := filepath.Join(t.TempDir(), "bak")
	names, err := backup.ExtractTar(bytes.NewReader(rec.Body.Bytes()), dir)
	if err != nil {
		t.Fatal(err)
	}
	man := readBackupManifest(t, dir)
	if len(names) != len(man.Files)+1 {
		t.Errorf("the archive holds %d files, the manifest lists %d (and itself)", len(names), len(man.Files))
	}
	for _, file := range man.Files {
		got, err := backup.HashFile(filepath.Join(dir, file.Name))
		if err != nil || got != file {
			t.Errorf("%s: %+v %v, the manifest says %+v", file.Name, got, err, file)
		}
	}
	counts, err := backup.TableCounts(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != len(man.Tables) || counts["revisions"] != man.Tables["revisions"] || man.Tables["revisions"] == 0 {
		t.Errorf("row counts: manifest %v, database %v", man.Tables, counts)
	}
	for name, n := range counts {
		// The audit log grows after the answers (the backup's own record among them).
		if name != "audit_log" && man.Tables[name] != n {
			t.Errorf("table %s: %d rows, the manifest says %d", name, n, man.Tables[name])
		}
		if man.TableFiles[name] == "" {
			t.Errorf("table %s has no file in the backup", name)
		}
	}
	// Without a database of its own to export, the route says so.
	f.srv.Backups = nil
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/admin/backup", nil); rec.Code != 404 || !strings.Contains(rec.Body.String(), "makes no backups") {
		t.Errorf("no backups: %d %s", rec.Code, rec.Body)
	}
}

func readBackupManifest(t *testing.T, dir string) *backup.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, backup.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var man backup.Manifest
	if err := json.Unmarshal(data, &man); err != nil || man.Format != backup.Format {
		t.Fatalf("manifest: %v %s", err, data)
	}
	return &man
}

// Every request's log line gives its duration in milliseconds, with the unit in the key.
func TestRequestLogDurationInMilliseconds(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	if rec := f.call(t, asNone, http.MethodGet, "/api/v1/indicators", nil); rec.Code != 200 {
		t.Fatalf("indicators: %d", rec.Code)
	}
	found := false
	sc := bufio.NewScanner(strings.NewReader(f.logs.String()))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["route"] != "/api/v1/indicators" {
			continue
		}
		found = true
		ms, ok := line["duration_ms"].(float64)
		if !ok || ms <= 0 || ms > 60_000 {
			t.Errorf("duration_ms = %v (%T), want a positive number of milliseconds: %s", line["duration_ms"], line["duration_ms"], sc.Text())
		}
		if _, ok := line["duration"]; ok {
			t.Errorf("a duration without its unit in the key: %s", sc.Text())
		}
	}
	if !found {
		t.Fatalf("no log line for the request:\n%s", f.logs.String())
	}
}
