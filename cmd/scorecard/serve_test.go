package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/api"
)

// Tokens made on the command line open the API to the right callers; configuration comes from
// the environment with flags winning; and a shutdown lets an in-flight request finish (reading
// the database) before the database is closed.
func TestServeWithTokensEnvironmentAndDrain(t *testing.T) {
	db := seededDB(t, t.TempDir())
	t.Setenv("SCORECARD_DB", db)
	t.Setenv("SCORECARD_ADDR", "127.0.0.1:0")
	t.Setenv("SCORECARD_READ_ACCESS", "token") // overridden by the flag below
	t.Setenv("SCORECARD_LOG_FORMAT", "json")

	out, err := run(t, "token", "create", "--name", "Poole performance team", "--role", "uploader", "--areas", "836")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	secret := strings.TrimSpace(out)
	if !strings.HasPrefix(secret, "sct_") || strings.Count(secret, "\n") != 0 {
		t.Fatalf("token create printed %q, want the secret alone", out)
	}
	if out, err := run(t, "token", "create", "--name", "x", "--role", "uploader"); err == nil || !strings.Contains(out, "an uploader needs the areas") {
		t.Errorf("uploader without areas: %v\n%s", err, out)
	}
	out, err = run(t, "token", "list")
	if err != nil || !strings.Contains(out, "Poole performance team") || !strings.Contains(out, "E06000029") || strings.Contains(out, secret[4:]) {
		t.Fatalf("token list: %v\n%s", err, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]

	// A request to /slow waits inside the server until released, then reads a scorecard.
	entered, release := make(chan struct{}), make(chan struct{})
	logs := &lockedWriter{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := &Main{Stdout: io.Discard, Stderr: logs, Ready: ready,
		wrapHandler: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					close(entered)
					<-release
					r.URL.Path = "/api/v1/areas/836/scorecard"
				}
				h.ServeHTTP(w, r)
			})
		}}
	go func() { done <- m.Run(ctx, []string{"serve", "--read-access", "public", "--shutdown-timeout", "20s"}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	base := "http://" + addr
	post := func(secret string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/datasets/poole_returns/revisions",
			strings.NewReader("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"))
		req.Header.Set("Content-Type", "text/csv")
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Errorf("upload without a token: %d", code)
	}
	if code := post(secret); code != http.StatusCreated {
		t.Errorf("upload with the uploader's token: %d", code)
	}
	if resp, err := http.Get(base + "/api/v1/datasets"); err != nil || resp.StatusCode != 200 {
		t.Errorf("public read (the flag wins over SCORECARD_READ_ACCESS=token): %v %v", err, resp)
	}

	slow := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			t.Error(err)
		}
		slow <- resp
	}()
	<-entered
	cancel() // SIGTERM
	select {
	case err := <-done:
		t.Fatalf("serve returned while a request was in flight: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	resp := <-slow
	if resp == nil || resp.StatusCode != 200 {
		t.Fatalf("the in-flight request did not finish: %+v", resp)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"secondary-good-outstanding-schools"`) {
		t.Errorf("in-flight scorecard: %.200s", body)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	l := logs.String()
	finished, closed := strings.Index(l, "all requests finished"), strings.Index(l, "database closed")
	if finished < 0 || closed < finished {
		t.Errorf("the database was not closed after the requests finished:\n%s", l)
	}
	if strings.Contains(l, secret) || strings.Contains(l, secret[4:]) {
		t.Error("the secret appears in the server's log")
	}

	if out, err := run(t, "token", "revoke", id); err != nil || !strings.Contains(out, "revoked token "+id) {
		t.Errorf("revoke: %v\n%s", err, out)
	}
	if out, _ := run(t, "token", "list"); strings.HasSuffix(strings.TrimSpace(strings.Split(out, "\n")[1]), " -") {
		t.Errorf("list after revoke:\n%s", out)
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--auth", "off", "--addr", "0.0.0.0:0"},
		{"serve", "--auth", "maybe"},
		{"serve", "--read-access", "private"},
		{"serve", "--cors-origins", "jsna.example.org"},
		{"serve", "--trusted-proxies", "10.0.0.0/33"},
		{"serve", "--log-format", "xml"},
		{"serve", "--audit-retention-days", "-1"},
		{"serve", "--metrics-addr", "nowhere"},
	} {
		if _, err := run(t, append(args, "--db", filepath.Join(t.TempDir(), "x.duckdb"))...); err != errUsage {
			t.Errorf("%v: %v", args, err)
		}
	}
	t.Setenv("SCORECARD_REQUEST_TIMEOUT", "soon")
	if _, err := run(t, "serve", "--db", filepath.Join(t.TempDir(), "x.duckdb")); err != errUsage {
		t.Errorf("bad SCORECARD_REQUEST_TIMEOUT: %v", err)
	}
}

// lockedWriter lets the server's log be written from many goroutines and read by the test.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The audit retention, metrics listener and metrics token flags reach the server's configuration.
func TestFinding4And19ServeFlags(t *testing.T) {
	for _, tc := range []struct {
		cfg  serveConfig
		want func(c api.Config) bool
	}{
		{serveConfig{auditRetention: 90}, func(c api.Config) bool { return c.AuditRetention == 90*24*time.Hour }},
		{serveConfig{auditRetention: 0}, func(c api.Config) bool { return c.AuditRetention < 0 }},
		{serveConfig{auditRetention: 7, metricsAddr: "127.0.0.1:9100", metricsToken: "t"}, func(c api.Config) bool {
			return c.MetricsElsewhere && c.MetricsToken == "t" && c.AuditRetention == 7*24*time.Hour
		}},
		{serveConfig{auditRetention: 1}, func(c api.Config) bool { return !c.MetricsElsewhere && c.MetricsToken == "" }},
	} {
		tc.cfg.addr, tc.cfg.authMode, tc.cfg.readAccess = "localhost:8080", "on", api.ReadPublic
		tc.cfg.requestTimeout, tc.cfg.writeTimeout, tc.cfg.shutdownTimeout, tc.cfg.maxUploadMB = time.Second, time.Second, time.Second, 1
		got, problems := tc.cfg.apiConfig()
		if len(problems) > 0 || !tc.want(got) {
			t.Errorf("%+v: %+v %v", tc.cfg, got, problems)
		}
	}
}
