package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run executes the program as the binary does and returns what it printed.
func run(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut}
	err = m.Run(context.Background(), args)
	if err != nil {
		printError(&out, err)
	}
	return out.String(), err
}

// The whole product path from a first start (seededDB): evaluate, serve, load, restore, check.
func TestCommandsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := seededDB(t, dir)

	out, err := run(t, "evaluate", "--db", db, "--area", "836", "--indicator", "secondary-good-outstanding-schools", "--format", "csv")
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "indicator,area_code,area_name,period,value") {
		t.Fatalf("csv output:\n%s", out)
	}
	if !strings.Contains(lines[5], "2016-17 Q4,85.3,85.3,ok,red,88,") || !strings.Contains(lines[5], ",2016-17 Q3,improving,") {
		t.Errorf("Q4 row = %s", lines[5])
	}

	if out, err := run(t, "check", "--db", db); err != nil || !strings.Contains(out, "indicator definitions are valid") {
		t.Errorf("check: %v\n%s", err, out)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q5,1\n"), 0o644)
	out, err = run(t, "load", "--db", db, "--dataset", "local_returns", bad)
	if err == nil || !strings.Contains(out, "row 2, column period: period \"2016-17 Q5\"") {
		t.Errorf("bad load: %v\n%s", err, out)
	}

	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"), 0o644)
	out, err = run(t, "load", "--db", db, "--dataset", "local_returns", "--by", "analyst", good)
	if err != nil || !strings.Contains(out, "1 rows, format simple_return") || !strings.Contains(out, "re-evaluated secondary-good-outstanding-schools: 1 evaluations") {
		t.Errorf("good load: %v\n%s", err, out)
	}
	out, err = run(t, "revisions", "--db", db, "--dataset", "local_returns")
	if err != nil || strings.Count(out, "\n") != 4 || !strings.Contains(out, "rejected") || !strings.Contains(out, "analyst") {
		t.Errorf("revisions: %v\n%s", err, out)
	}
	var firstRev string
	for _, l := range strings.Split(out, "\n")[1:] {
		if strings.Contains(l, "shipped-data") {
			firstRev = strings.Fields(l)[0]
		}
	}
	if out, err := run(t, "restore", "--db", db, "--dataset", "local_returns", "--revision", firstRev); err != nil || !strings.Contains(out, "restored revision "+firstRev) {
		t.Errorf("restore: %v\n%s", err, out)
	}

	// Serve, read a scorecard over HTTP, then shut down gracefully.
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Ready: ready}
		done <- m.Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	resp, err := http.Get("http://" + addr + "/api/v1/areas/836/scorecard")
	if err != nil {
		t.Fatal(err)
	}
	var sc struct {
		Rows []struct {
			Indicator  string
			Evaluation *struct {
				Period       string
				DisplayValue string `json:"display_value"`
			}
		}
	}
	json.NewDecoder(resp.Body).Decode(&sc)
	resp.Body.Close()
	found := false
	for _, r := range sc.Rows {
		if r.Indicator == "secondary-good-outstanding-schools" && r.Evaluation != nil {
			found = r.Evaluation.Period == "2016-17 Q4" && r.Evaluation.DisplayValue == "85.3"
		}
	}
	if !found {
		t.Errorf("served scorecard after restore does not show Q4 85.3: %+v", sc.Rows)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v on shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("serve did not shut down")
	}
}

func TestUsageErrors(t *testing.T) {
	if _, err := run(t); err != errUsage {
		t.Errorf("no command: %v", err)
	}
	if _, err := run(t, "frobnicate"); err != errUsage {
		t.Errorf("unknown command: %v", err)
	}
	if _, err := run(t, "evaluate", "--db", filepath.Join(t.TempDir(), "x.duckdb")); err != errUsage {
		t.Errorf("evaluate without --area: %v", err)
	}
}
