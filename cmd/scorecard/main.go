// Command scorecard serves and operates the Children's Trust KPI scorecard engine.
//
//	scorecard serve    [--db PATH] [--addr HOST:PORT]        serve the web scorecard and the API
//	scorecard load     [--db PATH] --dataset NAME [--by WHO] FILE
//	scorecard evaluate [--db PATH] --area X [--indicator I] [--period P] [--format table|json|csv]
//	scorecard revisions [--db PATH] --dataset NAME
//	scorecard restore  [--db PATH] --dataset NAME --revision ID
//	scorecard restore  --from DIR [--db PATH] [--force]            a database from a backup
//	scorecard backup   [--db PATH] DIR                            export the database with a checksum manifest
//	scorecard backup   --from-server URL [--token T] DIR          the same, from a running server (admin token)
//	scorecard check    [--db PATH]                            validate definitions against the data
//	scorecard history  prune --before DATE | stats [--json]   prune or count the evaluation history
//	scorecard token    create|list|revoke                     API tokens (see scorecard token -h)
//	scorecard version  [--json]                               the build: version, commit, date, Go and DuckDB
//
// The default database is scorecard.duckdb in the working directory; a new database is created
// and loaded with the shipped data on first use.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/childrens-trust/scorecard/errs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		printError(os.Stderr, err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// Main is the program, as a value, so end-to-end tests run it exactly as the binary does.
type Main struct {
	Stdout, Stderr io.Writer
	// Ready, if set, receives the server's address once it listens (tests).
	Ready chan<- string
	// wrapHandler, if set, wraps the server's handler (tests of draining).
	wrapHandler func(http.Handler) http.Handler
}

const usage = `usage: scorecard <command> [flags]

commands:
  serve      serve the web scorecard and the JSON API
  load       load a CSV file into a dataset as a new revision
  evaluate   print evaluations for an area
  revisions  list a dataset's revisions
  restore    make an earlier revision current again (--dataset, --revision),
             or create the database from a backup (--from DIR [--force])
  backup     export the database to a directory (Parquet) with a checksum manifest,
             or fetch one from a running server (--from-server URL --token T)
  check      validate indicator definitions against the loaded data
  history    prune the evaluation history (prune --before DATE) or count it (stats)
  token      create, list and revoke API tokens
  version    print the build: version, commit, build date, Go and DuckDB versions

run "scorecard <command> -h" for a command's flags`

// Run runs one command.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(m.Stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "load":
		return m.load(ctx, rest)
	case "evaluate":
		return m.evaluate(ctx, rest)
	case "revisions":
		return m.revisions(ctx, rest)
	case "restore":
		if hasFlag(rest, "from") {
			return m.restoreBackup(ctx, rest)
		}
		return m.restore(ctx, rest)
	case "backup":
		return m.backup(ctx, rest)
	case "check":
		return m.check(ctx, rest)
	case "token":
		return m.token(ctx, rest)
	case "history":
		return m.history(ctx, rest)
	case "version", "--version":
		return m.version(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprintln(m.Stdout, usage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "unknown command %q\n\n%s\n", cmd, usage)
	return errUsage
}

func (m *Main) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// printError writes an error and, for validation errors, every detail.
func printError(w io.Writer, err error) {
	if errors.Is(err, errUsage) {
		return
	}
	e, ok := errs.As(err)
	if !ok {
		fmt.Fprintln(w, "error:", err)
		return
	}
	fmt.Fprintln(w, "error:", e.Message)
	for _, d := range e.Details {
		fmt.Fprintln(w, "  -", d.String())
	}
	if e.Total > len(e.Details) {
		fmt.Fprintf(w, "  ... and %d more\n", e.Total-len(e.Details))
	}
}
