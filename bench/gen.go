// Package bench holds the product's performance benchmarks (bench_test.go), the raw-SQL
// baseline they compare the engine with (baseline_test.go), and the generator of synthetic
// returns used to measure loads of 10k to 1M rows. See docs/PERFORMANCE.md.
package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"

	"github.com/childrens-trust/scorecard/areas"
)

// ReturnHeader is the header of the simple-return files WriteReturn writes.
const ReturnHeader = "indicator,area,period,value,numerator,denominator,note"

// WriteReturn writes a simple-return CSV (the format of the shipped local returns) of n data
// rows: every indicator in ids, for every current local authority, month after month from
// January 2008, with deterministic values. Keys never repeat, so the file loads cleanly.
// The values are synthetic: the file measures load speed, never a judgement.
func WriteReturn(w io.Writer, n int, ids []string, reg *areas.Registry) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString(ReturnHeader + "\n"); err != nil {
		return fmt.Errorf("write return: %w", err)
	}
	las := reg.LocalAuthorities()
	written := 0
	for month := 0; written < n; month++ {
		period := fmt.Sprintf("%04d-%02d", 2008+month/12, month%12+1)
		for _, id := range ids {
			for i, la := range las {
				if written == n {
					break
				}
				num := float64((i*37+month*11)%400 + 50)
				den := 500.0
				v := math.Round(num/den*1000) / 10
				if _, err := fmt.Fprintf(bw, "%s,%s,%s,%.1f,%.0f,%.0f,synthetic benchmark row\n", id, la.Code, period, v, num, den); err != nil {
					return fmt.Errorf("write return: %w", err)
				}
				written++
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write return: %w", err)
	}
	return nil
}
