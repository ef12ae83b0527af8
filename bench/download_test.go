package bench_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
)

// discard is a ResponseWriter that counts the body and keeps none of it, so a download is
// measured as a server streams it, not as a recorder would hold it.
type discard struct {
	header http.Header
	code   int
	bytes  int64
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}
func (d *discard) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = http.StatusOK
	}
	d.bytes += int64(len(p))
	return len(p), nil
}

// peakHeap samples the live heap every millisecond until stop is called, and returns the
// highest sample in bytes.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// multiply adds copies-1 copies of every stored evaluation under other period labels (the
// documents are the originals'), so the download of ~300,000 rows, the size expected once the
// catalogue grows, can be measured against the 22,764 shipped ones.
func multiply(b *testing.B, app *scorecard.App, copies int) {
	b.Helper()
	err := app.DB.Write(context.Background(), func(conn *sql.Conn) error {
		_, err := conn.ExecContext(context.Background(), `INSERT INTO evaluations
			SELECT indicator, area_code, area_level, period || ' #' || k, period_kind, period_end, value, rag, doc, from_run
			FROM evaluations, range(1, ?) AS r(k)`, copies)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDownload is the whole-data download of every stored evaluation
// (/api/v1/evaluations?format=csv and format=parquet) through the whole HTTP handler, body
// discarded as it is written: rows/s, bytes, allocation per run, and the peak live heap
// (peak-heap-MB), which stays flat from the 22,764 shipped evaluations to 13 times as many:
// the rows are streamed, never held.
func BenchmarkDownload(b *testing.B) {
	for _, copies := range downloadCopies() {
		app := freshApp(b)
		if copies > 1 {
			multiply(b, app, copies)
		}
		var rows int64
		if err := app.DB.SQL.QueryRow("SELECT count(*) FROM evaluations").Scan(&rows); err != nil {
			b.Fatal(err)
		}
		h := handler(app, true) // as served: the response cache must not keep a download
		for _, format := range []string{"csv", "parquet"} {
			b.Run(fmt.Sprintf("%s/rows=%d", format, rows), func(b *testing.B) {
				b.ReportAllocs()
				runtime.GC()
				stop := peakHeap()
				var size int64
				cpu0 := cpuTime()
				start := time.Now()
				for b.Loop() {
					w := &discard{header: http.Header{}}
					h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/evaluations?format="+format, nil))
					if w.code != http.StatusOK || w.bytes == 0 {
						b.Fatalf("status %d, %d bytes", w.code, w.bytes)
					}
					size = w.bytes
				}
				elapsed := time.Since(start)
				cpu := cpuTime() - cpu0
				peak := stop()
				b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
				// Rows per second of CPU the process used (Go and DuckDB threads): the rate on
				// a machine of its own, where other work does not take the cores.
				b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
				b.ReportMetric(float64(size), "body-bytes")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			})
		}
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// downloadCopies are the sizes BenchmarkDownload measures: the shipped evaluations and 13
// times as many (only the first with -short).
func downloadCopies() []int {
	if testing.Short() {
		return []int{1}
	}
	return []int{1, 13}
}
