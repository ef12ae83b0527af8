package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/childrens-trust/scorecard/buildinfo"
	"github.com/childrens-trust/scorecard/store"
)

// versionInfo is what scorecard version prints: the build and the DuckDB library linked in.
type versionInfo struct {
	buildinfo.Info
	DuckDB string `json:"duckdb_version"`
}

// version prints the build (buildinfo.Get) and the DuckDB version, asked of an in-memory
// database: the library linked into this binary, whatever database it is later pointed at.
func (m *Main) version(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print JSON, as GET /api/v1/version gives it (without the data version)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(m.Stderr, "usage: scorecard version [--json]")
		return errUsage
	}
	db, err := store.Open("", store.Options{Threads: 1, MemoryLimit: "64MB"})
	if err != nil {
		return err
	}
	defer db.Close()
	duck, err := db.DuckDBVersion(ctx)
	if err != nil {
		return err
	}
	v := versionInfo{Info: buildinfo.Get(), DuckDB: duck}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	fmt.Fprintf(m.Stdout, "scorecard %s\ncommit:     %s\nbuilt:      %s\ngo:         %s\nduckdb:     %s\n",
		v.Version, v.Commit, v.Date, v.GoVersion, v.DuckDB)
	return nil
}
