package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/reliability"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds the scorecard command once per test run, into a directory removed by TestMain.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scorecard-bin-")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "scorecard")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var binDir string

func TestMain(m *testing.M) {
	// No drain grace period unless a test asks for one: every shutdown would wait 5 s.
	if os.Getenv("SCORECARD_DRAIN_GRACE") == "" {
		os.Setenv("SCORECARD_DRAIN_GRACE", "0")
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if seedDir != "" {
		os.RemoveAll(seedDir)
	}
	os.Exit(code)
}

// server is a running "scorecard serve" process.
type server struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	log  bytes.Buffer
	done chan error
}

var servingRE = regexp.MustCompile(`url=(http://\S+)`)

// startServer starts the built binary on db and waits until it listens.
func startServer(t *testing.T, db string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(binary(t), "serve", "--db", db, "--addr", "127.0.0.1:0", "--auth=off"), done: make(chan error, 1)}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if m := servingRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		s.done <- s.cmd.Wait()
	}()
	select {
	case s.url = <-urls:
	case err := <-s.done:
		t.Fatalf("server exited before listening: %v\n%s", err, s.logText())
	case <-time.After(90 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("server did not start:\n%s", s.logText())
	}
	t.Cleanup(func() { s.cmd.Process.Kill() })
	return s
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// kill sends SIGKILL and waits for the process to go.
func (s *server) kill(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatal("killed server did not exit")
	}
}

// stop sends SIGTERM and returns the exit error once the process exits.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("server did not stop after SIGTERM")
	}
	return nil
}

func (s *server) revisions(t *testing.T, dataset string) []datasets.Revision {
	t.Helper()
	resp, err := http.Get(s.url + "/api/v1/datasets/" + dataset + "/revisions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var l struct {
		Data []datasets.Revision `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l.Data
}

// historyConsistent checks the evaluation history after a restart: every change the feed lists
// for indicator was caused by an accepted revision of dataset (no change is recorded for a
// revision that never became current), the newest change's cause is the current revision when
// the indicator's evaluations come from it, and the evaluations as at now are the current ones.
func (s *server) historyConsistent(t *testing.T, dataset, indicator string) {
	t.Helper()
	accepted := map[int64]bool{}
	var current int64
	for _, r := range s.revisions(t, dataset) {
		if r.Status == datasets.Accepted {
			accepted[r.ID] = true
		}
		if r.Current {
			current = r.ID
		}
	}
	since := ""
	var last struct {
		Cause struct {
			Kind     string `json:"kind"`
			Revision int64  `json:"revision"`
		} `json:"cause"`
	}
	n := 0
	for {
		var page struct {
			Data []struct {
				Run   int64 `json:"run"`
				Cause struct {
					Kind     string `json:"kind"`
					Dataset  string `json:"dataset"`
					Revision int64  `json:"revision"`
				} `json:"cause"`
			} `json:"data"`
			Next string `json:"next"`
			More bool   `json:"more"`
		}
		getJSON(t, s.url+"/api/v1/changes?limit=1000&indicator="+indicator+"&since="+since, &page)
		for _, c := range page.Data {
			n++
			if (c.Cause.Kind == "upload" || c.Cause.Kind == "restore") && c.Cause.Dataset == dataset && !accepted[c.Cause.Revision] {
				t.Errorf("a change of run %d is caused by revision %d of %s, which is not an accepted revision", c.Run, c.Cause.Revision, dataset)
			}
			last.Cause.Kind, last.Cause.Revision = c.Cause.Kind, c.Cause.Revision
		}
		since = page.Next
		if !page.More {
			break
		}
	}
	if n > 0 && (last.Cause.Kind == "upload" || last.Cause.Kind == "restore") && last.Cause.Revision != current {
		t.Errorf("the newest change of %s is caused by revision %d, but revision %d is current", indicator, last.Cause.Revision, current)
	}
	path := "/api/v1/indicators/" + indicator + "/evaluations?area=836"
	now := getBody(t, s.url+path)
	asOf := getBody(t, s.url+path+"&as_of="+time.Now().UTC().Add(time.Second).Format(time.RFC3339))
	if i := strings.Index(asOf, ","); !strings.HasPrefix(asOf, `{"as_of":`) || "{"+asOf[i+1:] != now {
		t.Errorf("the evaluations as at now differ from the current ones:\n%.300s\n%.300s", asOf, now)
	}
	t.Logf("history of %s consistent: %d changes, current revision %d", indicator, n, current)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// lait writes a LAIT long file of n rows (about 30 bytes a row).
func lait(n int) []byte {
	las := []string{"201", "202", "203", "204", "205", "206", "207", "208", "209", "210", "211", "212", "213", "301", "302",
		"303", "304", "305", "306", "307", "308", "309", "310", "311", "312", "313", "314", "315", "316", "317", "318", "319", "320"}
	var b bytes.Buffer
	b.Grow(n * 32)
	b.WriteString("measure_short,years,la_number,value\n")
	for i := range n {
		fmt.Fprintf(&b, "M%d,%d,%s,%d.5\n", i/(len(las)*40), 1980+i%40, las[(i/40)%len(las)], i%1000)
	}
	return b.Bytes()
}

// tableFingerprints fingerprints the database file with nothing running on it.
func tableFingerprints(t *testing.T, db string) reliability.Fingerprint {
	t.Helper()
	return fingerprintFile(t, db)
}

// TestCrashSafety kills the server with SIGKILL (1) while a large upload is still arriving,
// (2) while the server is storing it, and (3) while it re-evaluates after an upload, restarting
// it each time. After every restart the database opens, every earlier revision is intact (its
// table hashes as before), and the interrupted upload is either absent or, if it committed
// before the kill, accepted and complete; an interrupted re-evaluation is finished at start-up.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "scorecard.duckdb")
	smallDB(t, db)
	before := tableFingerprints(t, db)
	survived := 0

	// 1. Killed while the body is still arriving.
	s := startServer(t, db)
	big := lait(1_000_000)
	pr, pw := io.Pipe()
	respErr := make(chan error, 1)
	go func() {
		resp, err := http.Post(s.url+"/api/v1/datasets/lait_big/revisions", "text/csv", pr)
		if err == nil {
			resp.Body.Close()
		}
		respErr <- err
	}()
	half := len(big) / 2
	if _, err := pw.Write(big[:half]); err != nil {
		t.Fatal(err)
	}
	s.kill(t)
	pw.CloseWithError(io.ErrClosedPipe)
	if err := <-respErr; err == nil {
		t.Error("the interrupted upload got an answer")
	}
	s = startServer(t, db)
	survived++
	if revs := s.revisions(t, "lait_big"); len(revs) != 0 {
		t.Errorf("upload killed mid-body left revisions %+v", revs)
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.logText())
	}
	if diff := before.Diff(tableFingerprints(t, db)); len(diff) > 0 {
		t.Errorf("after a kill mid-body the stored data changed:\n%s", strings.Join(diff, "\n"))
	}

	// 2. Killed while the server parses and stores the whole body: the kill comes as soon as
	// the database file or its log starts to grow.
	s = startServer(t, db)
	killWhenStoreGrows(t, s, db, "/api/v1/datasets/lait_big/revisions", big)
	s = startServer(t, db)
	survived++
	revs := s.revisions(t, "lait_big")
	switch {
	case len(revs) == 0:
		t.Logf("kill while storing: the interrupted upload is absent")
	case len(revs) == 1 && revs[0].Status == datasets.Accepted && revs[0].Rows == 1_000_000:
		t.Logf("kill while storing: the upload had committed before the kill and is complete")
	default:
		t.Errorf("kill while storing left revisions %+v", revs)
	}
	s.historyConsistent(t, "local_returns", "secondary-good-outstanding-schools")
	lrBefore := s.revisions(t, "local_returns")

	// 3. Killed during the re-evaluation that follows an upload: the kill comes as soon as the
	// new revision is listed (committed); evaluation runs after that.
	var b strings.Builder
	b.WriteString("indicator,area,period,value\n")
	for _, la := range []string{"836", "837", "839", "840", "841", "845", "846", "850", "851", "852", "855", "856", "857", "860"} {
		for y := 1990; y < 2020; y++ {
			for q := 1; q <= 4; q++ {
				fmt.Fprintf(&b, "secondary-good-outstanding-schools,%s,%d-%02d Q%d,%d.%d\n", la, y, (y+1)%100, q, 50+y%40, q)
			}
		}
	}
	go func() {
		resp, err := http.Post(s.url+"/api/v1/datasets/local_returns/revisions", "text/csv", strings.NewReader(b.String()))
		if err == nil {
			resp.Body.Close()
		}
		respErr <- err
	}()
	var newRev int64
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && newRev == 0; {
		for _, r := range s.revisions(t, "local_returns") {
			if r.Current && r.ID > lrBefore[0].ID {
				newRev = r.ID
			}
		}
	}
	if newRev == 0 {
		t.Fatal("the local_returns upload never committed")
	}
	s.kill(t)
	<-respErr
	s = startServer(t, db)
	survived++
	reEvaluated := strings.Contains(s.logText(), "msg=evaluated indicators=")
	resp, err := http.Get(s.url + "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836")
	if err != nil {
		t.Fatal(err)
	}
	var evs struct {
		Data []struct {
			Source struct{ Revision int64 } `json:"source"`
		} `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&evs)
	resp.Body.Close()
	if len(evs.Data) != 120 {
		t.Errorf("after the restart %d evaluations of Poole, want 120 (30 years of quarters)", len(evs.Data))
	}
	for _, ev := range evs.Data {
		if ev.Source.Revision != newRev {
			t.Errorf("evaluation from revision %d, want %d", ev.Source.Revision, newRev)
			break
		}
	}
	t.Logf("kill during re-evaluation: the restart re-evaluated the interrupted indicators: %v", reEvaluated)
	s.historyConsistent(t, "local_returns", "secondary-good-outstanding-schools")
	if err := s.stop(t); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.logText())
	}

	// Every table that existed at the start is intact, except those an accepted upload
	// legitimately changes (revisions, datasets, evaluations, evaluation_runs).
	after := tableFingerprints(t, db)
	for name, fp := range before {
		switch name {
		case "main.revisions", "main.datasets", "main.evaluations", "main.evaluation_runs",
			"main.evaluation_history", "main.evaluation_run_log", "main.evaluation_staging":
			continue
		}
		if after[name] != fp {
			t.Errorf("%s changed: %s -> %s", name, fp, after[name])
		}
	}
	t.Logf("crashes survived: %d", survived)
}

// TestGracefulShutdown sends SIGTERM while an upload is still arriving and reads are running:
// the upload finishes and is answered 201, the process exits 0, and the database is
// checkpointed (no log file left) with the upload in it.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "scorecard.duckdb")
	smallDB(t, db)
	s := startServer(t, db)

	pr, pw := io.Pipe()
	type answer struct {
		code int
		body string
		err  error
	}
	upload := make(chan answer, 1)
	go func() {
		resp, err := http.Post(s.url+"/api/v1/datasets/shutdown_test/revisions", "text/csv", pr)
		if err != nil {
			upload <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		upload <- answer{code: resp.StatusCode, body: string(b)}
	}()
	pw.Write([]byte("indicator,area,period,value\n"))
	for y := 2000; y < 2010; y++ {
		fmt.Fprintf(pw, "secondary-good-outstanding-schools,836,%d-%02d,%d\n", y, (y+1)%100, y-1950)
	}
	// Reads in flight too.
	var reads sync.WaitGroup
	readCodes := make(chan int, 16)
	for range 8 {
		reads.Add(1)
		go func() {
			defer reads.Done()
			resp, err := http.Get(s.url + "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836")
			if err != nil {
				readCodes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			readCodes <- resp.StatusCode
		}()
	}
	time.Sleep(200 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop(t) }()
	time.Sleep(500 * time.Millisecond) // the signal arrives while the body is still open
	for y := 2010; y < 2020; y++ {
		fmt.Fprintf(pw, "secondary-good-outstanding-schools,836,%d-%02d,%d\n", y, (y+1)%100, y-1950)
	}
	pw.Close()
	a := <-upload
	if a.err != nil || a.code != http.StatusCreated {
		t.Errorf("in-flight upload: %v %d %s", a.err, a.code, a.body)
	}
	reads.Wait()
	close(readCodes)
	for c := range readCodes {
		if c != http.StatusOK {
			t.Errorf("in-flight read answered %d", c)
		}
	}
	if err := <-stopped; err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, s.logText())
	}
	if fi, err := os.Stat(db + ".wal"); err == nil && fi.Size() > 0 {
		t.Errorf("the log holds %d bytes after shutdown: not checkpointed", fi.Size())
	}
	if !strings.Contains(s.logText(), "checkpointed") {
		t.Errorf("no checkpoint logged:\n%s", s.logText())
	}
	out, err := run(t, "revisions", "--db", db, "--dataset", "shutdown_test")
	if err != nil || !strings.Contains(out, "accepted") || !strings.Contains(out, "  20  ") {
		t.Errorf("after shutdown: %v\n%s", err, out)
	}
}

// killWhenStoreGrows posts body (CSV) to path on s and kills the server as soon as the database
// file or its log grows: while the upload is being stored. It fails the test if the answer
// comes first or the store never grows within two minutes.
func killWhenStoreGrows(t *testing.T, s *server, db, path string, body []byte) {
	t.Helper()
	size := func() int64 {
		var n int64
		for _, p := range []string{db, db + ".wal"} {
			if fi, err := os.Stat(p); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	start := size()
	respErr := make(chan error, 1)
	go func() {
		resp, err := http.Post(s.url+path, "text/csv", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
		respErr <- err
	}()
	for deadline := time.Now().Add(120 * time.Second); size() <= start; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the database never grew")
		}
		select {
		case err := <-respErr:
			t.Fatalf("the upload to %s finished before the store grew: %v", path, err)
		default:
		}
	}
	s.kill(t)
	<-respErr
}
