package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/childrens-trust/scorecard/engine"
)

const historyUsage = `usage: scorecard history <command> [flags]

commands:
  prune  --before DATE [--db PATH]   remove the evaluation history that ended before DATE
                                     (YYYY-MM-DD, the start of that day in UTC, or an RFC 3339 time);
                                     current evaluations are never removed, and as_of reads and
                                     changes before DATE are refused afterwards
  stats  [--json] [--db PATH]        count current evaluations, past versions and runs`

// history runs "scorecard history prune|stats".
func (m *Main) history(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(m.Stderr, historyUsage)
		return errUsage
	}
	sub, rest := args[0], args[1:]
	var c common
	fs := m.flags("history "+sub, &c)
	switch sub {
	case "prune":
		before := fs.String("before", "", "remove the history that ended before this date (YYYY-MM-DD, UTC) or RFC 3339 time")
		if err := parse(fs, rest); err != nil {
			return err
		}
		if fs.NArg() != 0 {
			fmt.Fprintln(m.Stderr, historyUsage)
			return errUsage
		}
		t, problem := parseBefore(*before, time.Now())
		if problem != "" {
			fmt.Fprintln(m.Stderr, "history prune:", problem)
			return errUsage
		}
		app, err := m.open(ctx, c)
		if err != nil {
			return err
		}
		defer app.Close()
		res, err := app.PruneHistory(ctx, t)
		if err != nil {
			return err
		}
		s, err := app.Engine.HistoryStats(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "removed %d past evaluation versions and %d run records that ended before %s\n",
			res.Versions, res.Runs, t.Format(time.RFC3339))
		fmt.Fprintf(m.Stdout, "the history now starts at %s: as_of reads and changes before it are refused\n", res.Before.Format(time.RFC3339))
		fmt.Fprintf(m.Stdout, "kept %d current evaluations (never pruned), %d past versions, %d run records\n", s.Current, s.Versions, s.RunRecords)
		return nil
	case "stats":
		asJSON := fs.Bool("json", false, "print JSON")
		if err := parse(fs, rest); err != nil {
			return err
		}
		if fs.NArg() != 0 {
			fmt.Fprintln(m.Stderr, historyUsage)
			return errUsage
		}
		app, err := m.open(ctx, c)
		if err != nil {
			return err
		}
		defer app.Close()
		s, err := app.Engine.HistoryStats(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(m.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(s)
		}
		return writeHistoryStats(m, s)
	case "-h", "--help", "help":
		fmt.Fprintln(m.Stdout, historyUsage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "unknown history command %q\n\n%s\n", sub, historyUsage)
	return errUsage
}

func writeHistoryStats(m *Main, s engine.HistoryStats) error {
	when := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "current evaluations\t%d\n", s.Current)
	fmt.Fprintf(tw, "past versions\t%d\n", s.Versions)
	fmt.Fprintf(tw, "runs\t%d (%d run records)\n", s.Runs, s.RunRecords)
	fmt.Fprintf(tw, "earliest run\t%s\n", when(s.FirstRun, "none"))
	fmt.Fprintf(tw, "latest run\t%s\n", when(s.LastRun, "none"))
	fmt.Fprintf(tw, "history starts\t%s\n", when(s.Start, "at the first run (never pruned)"))
	return tw.Flush()
}

// parseBefore reads prune's --before: a date (the start of that day in UTC) or an RFC 3339
// time, not after now. It returns a problem to print when the value will not do.
func parseBefore(v string, now time.Time) (time.Time, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, "--before is required: a date (2026-01-01) or an RFC 3339 time (2026-01-01T00:00:00Z)"
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		d, derr := time.Parse(time.DateOnly, v)
		if derr != nil {
			return time.Time{}, fmt.Sprintf("--before %s is neither a date (2026-01-01) nor an RFC 3339 time (2026-01-01T00:00:00Z)", strconv.Quote(v))
		}
		t = d
	}
	t = t.UTC()
	if t.After(now) {
		return time.Time{}, fmt.Sprintf("--before %s is in the future: the history would start after now and every as_of read would be refused",
			t.Format(time.RFC3339))
	}
	return t, ""
}

// parseRetention reads --history-retention: a whole number of days (400d) or a Go duration
// (8760h); "" or 0 keeps everything (0 returned).
func parseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("--history-retention %q is not a whole number of days such as 400d", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("--history-retention %q is not a duration such as 400d or 8760h (0 keeps everything)", v)
	}
	return d, nil
}

// historyRetentionLabel says a retention for the start-up log line.
func historyRetentionLabel(d time.Duration) string {
	if d <= 0 {
		return "keep everything"
	}
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}
