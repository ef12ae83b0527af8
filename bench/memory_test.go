package bench_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/bench"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/store"
)

// The upload memory benchmarks measure the peak growth of a process's resident set while it
// loads one generated simple return (about 100 MB; 2 MB with -short), in a fresh child process
// each time so that the kernel's high-water mark (VmHWM) belongs to that upload alone:
//
//	go test -run '^$' -bench 'UploadMemory' -benchtime 1x ./bench
//
// peak-B/B is the growth of the peak RSS over the RSS just before the upload, per byte of file.
// "parse" only parses and validates the file (datasets.ParseReader); "accepted" loads it through
// datasets.Service.Load into a DuckDB database file, as the server does; "rejected" has one bad
// row at its end, so the whole file is parsed and validated but only the audit record is stored.
// "accepted-duckdb256MB" is "accepted" with DuckDB's memory limit at 256 MB instead of 2 GB: the
// difference is DuckDB's buffer cache, bounded by that limit, not the upload.

const memChildEnv = "SCORECARD_UPLOAD_MEMORY_CHILD"

// memoryFile writes a simple return of about size bytes (bad: with one bad row at the end) to
// dir and returns its path and size.
func memoryFile(b *testing.B, dir string, size int, bad bool) (string, int64) {
	b.Helper()
	ids := make([]string, 31)
	for i := range ids {
		ids[i] = fmt.Sprintf("IND%02d", i+1)
	}
	rows := size / 60 // bench.WriteReturn writes about 60 bytes a row
	var buf bytes.Buffer
	if err := bench.WriteReturn(&buf, rows, ids, areas.Default()); err != nil {
		b.Fatal(err)
	}
	if bad {
		buf.WriteString("IND01,836,2015-16,not a number,1,2,bad row\n")
	}
	path := filepath.Join(dir, fmt.Sprintf("return-%d-%v.csv", size, bad))
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return path, int64(buf.Len())
}

// BenchmarkUploadMemory loads one generated return in a child process and reports its peak RSS
// growth per byte of file.
func BenchmarkUploadMemory(b *testing.B) {
	size := 100 << 20
	if testing.Short() {
		size = 2 << 20
	}
	dir := b.TempDir()
	for _, mode := range []string{"parse", "accepted", "accepted-duckdb256MB", "accepted-duckdb64MB", "rejected"} {
		b.Run(mode, func(b *testing.B) {
			path, n := memoryFile(b, dir, size, mode == "rejected")
			b.SetBytes(n)
			var growth, seconds, goGrowth float64
			for b.Loop() {
				growth, seconds, goGrowth = runMemoryChild(b, mode, path)
			}
			b.ReportMetric(growth/float64(n), "peak-B/B")
			b.ReportMetric(goGrowth/float64(n), "go-peak-B/B")
			b.ReportMetric(growth/(1<<20), "peak-MiB")
			b.ReportMetric(seconds, "load-s")
		})
	}
}

// BenchmarkConcurrentUploads starts four uploads of a generated return (a quarter of
// BenchmarkUploadMemory's size each) at once, in a child process, against a service that parses
// two at a time (the default; "limit=2") and one that parses all four ("limit=4"), and reports
// the peak RSS growth per byte of one file and the seconds until all four are stored.
func BenchmarkConcurrentUploads(b *testing.B) {
	size := 25 << 20
	if testing.Short() {
		size = 512 << 10
	}
	path, n := memoryFile(b, b.TempDir(), size, false)
	for _, limit := range []int{2, 4} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			b.SetBytes(4 * n)
			var growth, seconds, goGrowth float64
			for b.Loop() {
				growth, seconds, goGrowth = runMemoryChild(b, fmt.Sprintf("concurrent%d", limit), path)
			}
			b.ReportMetric(growth/float64(n), "peak-B/B")
			b.ReportMetric(goGrowth/float64(n), "go-peak-B/B")
			b.ReportMetric(growth/(1<<20), "peak-MiB")
			b.ReportMetric(seconds, "load-s")
		})
	}
}

// runMemoryChild runs TestUploadMemoryChild in a new process and returns the RSS growth and the
// load's seconds it reports.
func runMemoryChild(b *testing.B, mode, path string) (growth, seconds, goGrowth float64) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestUploadMemoryChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), memChildEnv+"="+mode+":"+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "MEMORY "); ok {
			if _, err := fmt.Sscanf(rest, "%g %g %g", &growth, &seconds, &goGrowth); err != nil {
				b.Fatalf("child said %q: %v", line, err)
			}
			return growth, seconds, goGrowth
		}
	}
	b.Fatalf("child reported nothing:\n%s", out)
	return 0, 0, 0
}

// TestUploadMemoryChild is the child process of the upload memory benchmarks; it does nothing
// unless started by one.
func TestUploadMemoryChild(t *testing.T) {
	spec := os.Getenv(memChildEnv)
	if spec == "" {
		t.Skip("run by BenchmarkUploadMemory")
	}
	mode, path, _ := strings.Cut(spec, ":")
	var opts store.Options
	if m, ok := strings.CutPrefix(mode, "accepted-duckdb"); ok {
		mode, opts.MemoryLimit = "accepted", m
	}
	parses := 0
	if n, ok := strings.CutPrefix(mode, "concurrent"); ok {
		mode = "concurrent"
		var err error
		if parses, err = strconv.Atoi(n); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "memory.duckdb"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &datasets.Service{DB: db, Areas: areas.Default(), MaxBytes: 256 << 20, MaxConcurrentParses: parses, BusyWait: time.Hour,
		// The generated return runs month by month past today; a clock in 2040 keeps every
		// period begun.
		Now: func() time.Time { return time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC) }}
	ctx := context.Background()
	if err := svc.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Warm up: the first load initialises the registry's indexes and DuckDB's tables.
	if _, err := svc.Load(ctx, "warmup", strings.NewReader("indicator,area,period,value\nIND01,836,2015-16,1\n"), datasets.Upload{FileName: "w.csv"}); err != nil {
		t.Fatal(err)
	}
	goBase := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	runtime.GC()
	before := procStatus(t, "VmRSS")
	// The Go runtime's share of the peak, sampled: what it holds from the OS (heap, stacks and
	// its own structures); the rest of the RSS growth is DuckDB's.
	stop := make(chan struct{})
	goPeak := make(chan uint64)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64()-sample[1].Value.Uint64())
			select {
			case <-stop:
				goPeak <- peak
				return
			case <-tick.C:
			}
		}
	}()
	metrics.Read(goBase)
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	switch mode {
	case "parse":
		if _, err := datasets.ParseReader(f, datasets.ParseOptions{Now: svc.Now}); err != nil {
			t.Fatal(err)
		}
	case "concurrent":
		errc := make(chan error)
		for i := range 4 {
			go func() {
				f, err := os.Open(path)
				if err != nil {
					errc <- err
					return
				}
				defer f.Close()
				_, err = svc.Load(ctx, fmt.Sprintf("memory%d", i), f, datasets.Upload{FileName: "memory.csv"})
				errc <- err
			}()
		}
		for range 4 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
	case "accepted", "rejected":
		_, err = svc.Load(ctx, "memory", f, datasets.Upload{FileName: "memory.csv"})
		if (err != nil) != (mode == "rejected") {
			t.Fatalf("%s: %v", mode, err)
		}
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	elapsed := time.Since(start)
	peak := procStatus(t, "VmHWM")
	close(stop)
	base := goBase[0].Value.Uint64() - goBase[1].Value.Uint64()
	fmt.Printf("MEMORY %d %g %d\n", peak-before, elapsed.Seconds(), int64(<-goPeak)-int64(base))
}

// procStatus reads a kB field of /proc/self/status, in bytes.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}
