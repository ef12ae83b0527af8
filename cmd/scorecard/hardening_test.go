package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/store"
)

// Finding 1: a targets revision the engine cannot read (written before the format was
// enforced) stops no command: evaluate, revisions and load still run, and restore --dataset
// repairs it from the command line.
func TestFinding1CommandsRunWithABrokenTargetsRevision(t *testing.T) {
	dir := t.TempDir()
	db := seededDB(t, dir)
	targets := filepath.Join(dir, "targets.csv")
	os.WriteFile(targets, []byte("indicator,area,period,target,tolerance\nsecondary-good-outstanding-schools,836,2016-17 Q4,90,1\n"), 0o644)
	out, err := run(t, "load", "--db", db, "--dataset", "targets", targets)
	if err != nil {
		t.Fatalf("load targets: %v\n%s", err, out)
	}
	good := regexp.MustCompile(`revision (\d+)`).FindStringSubmatch(out)[1]
	simple := filepath.Join(dir, "simple.csv")
	os.WriteFile(simple, []byte("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"), 0o644)
	if out, err := run(t, "load", "--db", db, "--dataset", "targets", simple); err == nil || !strings.Contains(out, "indicator,area,period,target,tolerance") {
		t.Fatalf("a simple return into targets must be refused naming the header: %v\n%s", err, out)
	}
	if out, err := run(t, "load", "--db", db, "--dataset", "legacy", simple); err != nil {
		t.Fatalf("load legacy: %v\n%s", err, out)
	}
	// Plant the broken revision as a database from before the check holds it.
	sdb, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"DELETE FROM datasets WHERE name = 'targets'",
		"UPDATE revisions SET dataset = 'targets' WHERE dataset = 'legacy'",
		"UPDATE datasets SET name = 'targets' WHERE name = 'legacy'",
	} {
		if _, err := sdb.SQL.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	sdb.Close()

	for _, args := range [][]string{
		{"evaluate", "--db", db, "--area", "836", "--indicator", "secondary-good-outstanding-schools", "--format", "csv"},
		{"revisions", "--db", db, "--dataset", "targets"},
		{"load", "--db", db, "--dataset", "local_returns", simple},
	} {
		if out, err := run(t, args...); err != nil {
			t.Errorf("%s with a broken targets revision: %v\n%s", args[0], err, out)
		} else if args[0] == "load" && !strings.Contains(out, "warning: uploaded targets left out: revision") {
			t.Errorf("load does not warn that the targets were left out:\n%s", out)
		}
	}
	out, err = run(t, "restore", "--db", db, "--dataset", "targets", "--revision", good)
	if err != nil || !strings.Contains(out, "restored revision "+good+" of targets") {
		t.Fatalf("restore --dataset: %v\n%s", err, out)
	}
	if strings.Contains(out, "warning") {
		t.Errorf("warnings after the restore:\n%s", out)
	}
}
