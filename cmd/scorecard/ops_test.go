package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/buildinfo"
	"github.com/childrens-trust/scorecard/store"
)

// startMain runs "scorecard serve" in this process with args (and --addr 127.0.0.1:0) and returns
// its base URL, the function that sends it SIGTERM (cancels its context) and the channel that
// receives Run's result.
func startMain(t *testing.T, m *Main, args ...string) (base string, sigterm func(), done <-chan error) {
	t.Helper()
	ready := make(chan string, 1)
	m.Ready = ready
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	if m.Stderr == nil {
		m.Stderr = &lockedWriter{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		errc <- m.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	}()
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-errc:
		cancel()
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(60 * time.Second):
		}
	})
	return base, cancel, errc
}

// fresh is a client that opens a new connection for every request, as a load balancer's health
// check and a new visitor do.
var fresh = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}

// On SIGTERM the server drains: for --drain-grace /readyz answers 503 while other requests are
// still served on new connections; then the listener closes (connections are refused) and a
// request still in flight finishes before Run returns.
func TestDrainGraceOnSIGTERM(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scorecard.duckdb")
	smallDB(t, db)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	logs := &lockedWriter{}
	m := &Main{Stderr: logs, wrapHandler: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				once.Do(func() { close(entered) })
				<-release
				r.URL.Path = "/api/v1/datasets"
			}
			h.ServeHTTP(w, r)
		})
	}}
	const grace = 2 * time.Second
	base, sigterm, done := startMain(t, m, "--db", db, "--auth=off", "--drain-grace", grace.String())
	get := func(path string) (int, string, error) {
		resp, err := fresh.Get(base + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if code, body, err := get("/readyz"); err != nil || code != 200 {
		t.Fatalf("readyz before SIGTERM: %d %v %s", code, err, body)
	}

	start := time.Now()
	sigterm()
	// Within the grace period: not ready, but serving.
	deadline := time.Now().Add(grace / 2)
	for {
		code, body, err := get("/readyz")
		if err == nil && code == http.StatusServiceUnavailable && strings.Contains(body, "draining") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not turn 503 within %v of SIGTERM: %d %v %s", grace/2, code, err, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body, err := get("/api/v1/datasets"); err != nil || code != 200 || !strings.Contains(body, "local_returns") {
		t.Errorf("a read during the drain grace period: %d %v %.200s", code, err, body)
	}
	slow := make(chan int, 1)
	go func() {
		code, _, err := get("/slow")
		if err != nil {
			t.Errorf("in-flight request: %v", err)
		}
		slow <- code
	}()
	<-entered
	if elapsed := time.Since(start); elapsed >= grace {
		t.Fatalf("the test itself took %v, longer than the grace period: nothing was shown", elapsed)
	}

	// After the grace period the listener closes: new connections are refused.
	host := strings.TrimPrefix(base, "http://")
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Since(start) > grace+10*time.Second {
			t.Fatal("the listener is still open long after the grace period")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if closed := time.Since(start); closed < grace {
		t.Errorf("the listener closed %v after SIGTERM, before the %v grace period ended", closed, grace)
	}
	select {
	case err := <-done:
		t.Fatalf("serve returned while a request was in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if code := <-slow; code != 200 {
		t.Errorf("the in-flight request answered %d", code)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return")
	}
	l := logs.String()
	if !strings.Contains(l, "drain grace period") || !strings.Contains(l, "grace_ms=2000") || !strings.Contains(l, "all requests finished") {
		t.Errorf("log:\n%s", l)
	}
}

// A backup taken from a running server while 8 clients read and one uploads restores to a
// database that passes scorecard check and holds every revision accepted before the backup
// began, and exactly the revisions the backup's manifest counts.
func TestBackupFromARunningServerUnderLoad(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "scorecard.duckdb")
	// The whole shipped data (seeded by the first command), so that scorecard check passes.
	out, err := run(t, "token", "create", "--db", db, "--name", "backup operator", "--role", "admin")
	if err != nil {
		t.Fatalf("token: %v %s", err, out)
	}
	secret := strings.TrimSpace(out)
	logs := &lockedWriter{}
	base, _, _ := startMain(t, &Main{Stderr: logs}, "--db", db)
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	}()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads, badReads atomic.Int64
	paths := []string{"/api/v1/datasets", "/api/v1/datasets/local_returns/revisions", "/api/v1/indicators",
		"/api/v1/areas/836/scorecard", "/api/v1/version", "/readyz", "/api/v1/evaluations?area=836", "/areas/836"}
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(base + paths[i%len(paths)])
				if err != nil {
					badReads.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				reads.Add(1)
				if resp.StatusCode != 200 {
					badReads.Add(1)
				}
			}
		}()
	}
	var mu sync.Mutex
	var accepted []int64
	uploadErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				uploadErr <- nil
				return
			default:
			}
			body := fmt.Sprintf("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,%d.%d\n", 50+i%40, i%10)
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/datasets/local_returns/revisions", strings.NewReader(body))
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				uploadErr <- err
				return
			}
			var res struct {
				Revision struct {
					ID     int64  `json:"id"`
					Status string `json:"status"`
				} `json:"revision"`
			}
			err = json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || err != nil || res.Revision.ID == 0 {
				uploadErr <- fmt.Errorf("upload %d: %d %v %+v", i, resp.StatusCode, err, res)
				return
			}
			mu.Lock()
			accepted = append(accepted, res.Revision.ID)
			mu.Unlock()
		}
	}()
	waitFor := func(n int) {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mu.Lock()
			k := len(accepted)
			mu.Unlock()
			if k >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d uploads accepted in two minutes", k)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(3)
	mu.Lock()
	before := append([]int64(nil), accepted...)
	mu.Unlock()
	bak := filepath.Join(dir, "backup")
	var bout, berr strings.Builder
	bm := &Main{Stdout: &bout, Stderr: &berr}
	if err := bm.Run(context.Background(), []string{"backup", "--from-server", base, "--token", secret, bak}); err != nil {
		t.Fatalf("backup --from-server: %v\n%s%s", err, bout.String(), berr.String())
	}
	if !strings.Contains(bout.String(), "checksums verified") {
		t.Errorf("backup said: %s", bout.String())
	}
	mu.Lock()
	during := len(accepted) - len(before)
	mu.Unlock()
	waitFor(len(before) + during + 2) // uploads go on after the backup
	close(stop)
	wg.Wait()
	if err := <-uploadErr; err != nil {
		t.Fatal(err)
	}
	if n := badReads.Load(); n > 0 {
		t.Errorf("%d of %d reads failed while the backup ran", n, reads.Load())
	}

	restored := filepath.Join(dir, "restored.duckdb")
	if out, err := run(t, "restore", "--from", bak, "--db", restored); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := run(t, "check", "--db", restored); err != nil || !strings.Contains(out, "indicator definitions are valid") {
		t.Fatalf("check of the restored database: %v\n%s", err, out)
	}
	rdb, err := store.Open(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ids := map[int64]bool{}
	rows, err := rdb.SQL.Query("SELECT id FROM revisions WHERE dataset = 'local_returns'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	rows.Close()
	for _, id := range before {
		if !ids[id] {
			t.Errorf("revision %d was accepted before the backup began but is not in the restored database", id)
		}
	}
	man := readManifest(t, bak)
	var total int64
	if err := rdb.SQL.QueryRow("SELECT count(*) FROM revisions").Scan(&total); err != nil || total != man.Tables["revisions"] {
		t.Errorf("restored revisions: %d (%v), the manifest counts %d", total, err, man.Tables["revisions"])
	}
	mu.Lock()
	all := len(accepted)
	mu.Unlock()
	t.Logf("%d reads during the test; %d uploads accepted before the backup, %d while it ran, %d in all; %d local_returns revisions restored",
		reads.Load(), len(before), during, all, len(ids))
}

// scorecard version prints the build and the DuckDB library's version, as text and as JSON.
func TestVersionCommand(t *testing.T) {
	out, err := run(t, "version", "--json")
	if err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("version --json is not JSON: %v\n%s", err, out)
	}
	b := buildinfo.Get()
	if v.Info != b || v.GoVersion != runtime.Version() || !strings.HasPrefix(v.DuckDB, "v1.") {
		t.Errorf("version: %+v, want %+v with a DuckDB v1.x", v, b)
	}
	out, err = run(t, "version")
	if err != nil || !strings.HasPrefix(out, "scorecard "+b.Version+"\n") || !strings.Contains(out, "duckdb:     "+v.DuckDB) {
		t.Errorf("version: %v\n%s", err, out)
	}
	if out, err := run(t, "version", "extra"); err == nil {
		t.Errorf("version with an argument: %s", out)
	}
}
