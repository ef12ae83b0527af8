package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	seedOnce sync.Once
	seedPath string
	seedErr  error
)

// seededDB gives the test a database file of its own in dir, holding what a first start makes
// (every shipped dataset loaded, every indicator evaluated), and returns its path. The first
// start runs once per test binary, by the built command (`scorecard check` on a new file), and
// each test gets a copy: a first start evaluates some 330,000 evaluations, too slow to repeat
// in every test under the race detector. Tests of the first start itself use a new path.
func seededDB(t *testing.T, dir string) string {
	t.Helper()
	bin := binary(t)
	seedOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "scorecard-seed-")
		if err != nil {
			seedErr = err
			return
		}
		seedDir = tmp
		seedPath = filepath.Join(tmp, "seed.duckdb")
		if out, err := exec.Command(bin, "check", "--db", seedPath).CombinedOutput(); err != nil {
			seedErr = err
			t.Logf("scorecard check: %s", out)
		}
	})
	if seedErr != nil {
		t.Fatalf("seed database: %v", seedErr)
	}
	db := filepath.Join(dir, "scorecard.duckdb")
	if err := copyFile(seedPath, db); err != nil {
		t.Fatal(err)
	}
	return db
}

var seedDir string

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
