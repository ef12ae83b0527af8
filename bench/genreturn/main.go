// Command genreturn writes a synthetic simple-return CSV of n rows to stdout, for measuring loads
// (docs/PERFORMANCE.md):
//
//	go run ./bench/genreturn -rows 1000000 > /tmp/return-1m.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/bench"
	"github.com/childrens-trust/scorecard/indicators"
)

func main() {
	rows := flag.Int("rows", 100_000, "data rows to write")
	flag.Parse()
	reg := areas.Default()
	cat, err := indicators.Load("", reg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genreturn:", err)
		os.Exit(1)
	}
	var ids []string
	for _, d := range cat.All() {
		ids = append(ids, d.ID)
	}
	if err := bench.WriteReturn(os.Stdout, *rows, ids, reg); err != nil {
		fmt.Fprintln(os.Stderr, "genreturn:", err)
		os.Exit(1)
	}
}
