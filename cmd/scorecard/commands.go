package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	scorecard "github.com/childrens-trust/scorecard"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/stats"
	"github.com/childrens-trust/scorecard/store"
)

// DefaultDB is the database file used when --db is not given.
const DefaultDB = "scorecard.duckdb"

// common holds the flags every command takes.
type common struct {
	db, indicators, vintage string
	memoryLimit             string
	threads                 int
}

func (m *Main) flags(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&c.db, "db", env("SCORECARD_DB", DefaultDB), "DuckDB database file, created and loaded with the shipped data if new (env SCORECARD_DB)")
	fs.StringVar(&c.indicators, "indicators", env("SCORECARD_INDICATORS", ""), "directory of indicator YAML files that override or add to the built-in ones (env SCORECARD_INDICATORS)")
	fs.StringVar(&c.vintage, "vintage", env("SCORECARD_VINTAGE", ""), "statistical-neighbour vintage, default 2025-05 (env SCORECARD_VINTAGE)")
	fs.StringVar(&c.memoryLimit, "duckdb-memory-limit", env("SCORECARD_DUCKDB_MEMORY_LIMIT", store.DefaultMemoryLimit), "DuckDB memory limit; larger work spills to disk (env SCORECARD_DUCKDB_MEMORY_LIMIT)")
	fs.IntVar(&c.threads, "duckdb-threads", 0, "DuckDB worker threads, 0 for one per CPU")
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errUsage
		}
		return errUsage
	}
	return nil
}

func (m *Main) open(ctx context.Context, c common) (*scorecard.App, error) {
	return scorecard.Open(ctx, scorecard.Config{DBPath: c.db, IndicatorsDir: c.indicators, Vintage: c.vintage, Seed: true, Log: m.logger(),
		DuckDB: store.Options{MemoryLimit: c.memoryLimit, Threads: c.threads}})
}

func (m *Main) load(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("load", &c)
	dataset := fs.String("dataset", "", "dataset name (lower-case letters, digits, _)")
	by := fs.String("by", os.Getenv("USER"), "who is loading the file (recorded in the revision)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dataset == "" || fs.NArg() != 1 {
		fmt.Fprintln(m.Stderr, "usage: scorecard load [--db PATH] --dataset NAME FILE")
		return errUsage
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()
	who := *by
	if who == "" {
		who = "cli"
	}
	rev, re, err := app.Load(ctx, *dataset, f, datasets.Upload{FileName: filepath.Base(path), By: who})
	if err != nil {
		if rev != nil && rev.Status == datasets.Rejected {
			fmt.Fprintf(m.Stderr, "revision %d of %s recorded as rejected\n", rev.ID, *dataset)
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "loaded %s into %s: revision %d, %d rows, format %s, sha256 %s\n", path, *dataset, rev.ID, rev.Rows, rev.Format, rev.SHA256)
	for _, w := range rev.Warnings {
		fmt.Fprintln(m.Stdout, "warning:", w)
	}
	m.printReevaluation(re)
	return nil
}

// printReevaluation says what a change's re-evaluation did, indicator by indicator.
func (m *Main) printReevaluation(re engine.Reevaluation) {
	if re.State != engine.Evaluated {
		fmt.Fprintf(m.Stdout, "re-evaluation %s: %s\n", re.State, re.Reason)
	}
	for _, r := range re.Results {
		status := fmt.Sprintf("%d evaluations", r.Evaluations)
		if r.Error != "" {
			status = "error: " + r.Error
		} else if r.Warning != "" {
			status += "; warning: " + r.Warning
		}
		fmt.Fprintf(m.Stdout, "re-evaluated %s: %s\n", r.Indicator, status)
	}
}

func (m *Main) revisions(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("revisions", &c)
	dataset := fs.String("dataset", "", "dataset name")
	if err := parse(fs, args); err != nil {
		return err
	}
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()
	if *dataset == "" {
		all, err := app.Datasets.Datasets(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DATASET\tREVISION\tROWS\tFORMAT\tLOADED\tBY\tFILE")
		for _, d := range all {
			r := d.Current
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", d.Name, r.ID, r.Rows, r.Format, r.CreatedAt.Format("2006-01-02 15:04:05"), r.CreatedBy, r.FileName)
		}
		return tw.Flush()
	}
	revs, err := app.Datasets.Revisions(ctx, *dataset)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tSTATUS\tCURRENT\tROWS\tERRORS\tLOADED\tBY\tFILE\tSHA256")
	for _, r := range revs {
		cur := ""
		if r.Current {
			cur = "*"
		}
		status := r.Status
		if r.RestoredFrom != 0 {
			status += fmt.Sprintf(" (from %d)", r.RestoredFrom)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%.12s\n", r.ID, status, cur, r.Rows, r.ErrorCount, r.CreatedAt.Format("2006-01-02 15:04:05"), r.CreatedBy, r.FileName, r.SHA256)
	}
	return tw.Flush()
}

func (m *Main) restore(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("restore", &c)
	dataset := fs.String("dataset", "", "dataset name")
	id := fs.Int64("revision", 0, "revision id to restore")
	by := fs.String("by", os.Getenv("USER"), "who is restoring")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dataset == "" || *id == 0 {
		fmt.Fprintln(m.Stderr, "usage: scorecard restore [--db PATH] --dataset NAME --revision ID")
		return errUsage
	}
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()
	rev, re, err := app.Restore(ctx, *dataset, *id, *by)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "restored revision %d of %s as revision %d\n", *id, *dataset, rev.ID)
	m.printReevaluation(re)
	return nil
}

func (m *Main) check(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("check", &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Engine.Check(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d indicator definitions are valid against the loaded data\n", len(app.Catalog.All()))
	return nil
}

func (m *Main) evaluate(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("evaluate", &c)
	area := fs.String("area", "", "area: GSS code, DfE code or name")
	indicator := fs.String("indicator", "", "one indicator (default: all)")
	period := fs.String("period", "", "period (default: the latest for each indicator)")
	format := fs.String("format", "table", "output format: table, json or csv")
	scorecardID := fs.String("scorecard", "", "a scorecard id: print its priorities and rows (area defaults to the scorecard's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *scorecardID != "" {
		return m.evaluateScorecard(ctx, c, *scorecardID, *area, *period, *format)
	}
	if *area == "" {
		fmt.Fprintln(m.Stderr, "usage: scorecard evaluate [--db PATH] --area X [--indicator I | --scorecard ID] [--period P] [--format table|json|csv]")
		return errUsage
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		return errs.Errorf(errs.Invalid, "--format must be table, json or csv")
	}
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()
	var evs []*engine.Evaluation
	if *indicator != "" {
		all, err := app.Engine.Series(ctx, *indicator, *area)
		if err != nil {
			return err
		}
		for _, ev := range all {
			if *period == "" || ev.Period == *period {
				evs = append(evs, ev)
			}
		}
		if *period != "" && len(evs) == 0 {
			return errs.Errorf(errs.NotFound, "no evaluation of %s for %s in %s", *indicator, *area, *period)
		}
	} else {
		sc, err := app.Engine.AreaScorecard(ctx, *area, *period, engine.Filter{})
		if err != nil {
			return err
		}
		for _, r := range sc.Rows {
			if r.Evaluation != nil {
				evs = append(evs, r.Evaluation)
			}
		}
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(evs)
	case "csv":
		return writeCSV(m.Stdout, evs)
	}
	return writeTable(m.Stdout, evs)
}

func fmtNum(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func comparatorCells(c *engine.Comparator) (string, string) {
	if c == nil {
		return "", ""
	}
	if c.DisplayValue != "" {
		return c.DisplayValue, string(c.Judgement)
	}
	return fmtNum(c.Value), string(c.Judgement)
}

// Columns of the flat evaluation table used by the CSV and table outputs.
var flatHeader = []string{"indicator", "area_code", "area_name", "period", "value", "display_value", "status",
	"rag", "target", "england", "vs_england", "region", "vs_region", "sn_average", "vs_sn", "sn_n", "rank", "of", "quartile",
	"previous_period", "vs_previous", "year_ago_period", "vs_year_ago"}

func flatten(ev *engine.Evaluation) []string {
	eng, engJ := comparatorCells(ev.Comparators.England)
	reg, regJ := comparatorCells(ev.Comparators.Region)
	sn, snJ := comparatorCells(ev.Comparators.StatisticalNeighbours)
	snN := ""
	if c := ev.Comparators.StatisticalNeighbours; c != nil && c.Of > 0 {
		snN = fmt.Sprintf("%d/%d", c.N, c.Of)
	}
	rank, of := "", ""
	if ev.Rank != nil {
		rank, of = strconv.Itoa(ev.Rank.Position), strconv.Itoa(ev.Rank.Of)
	}
	prevP, prevJ, yaP, yaJ := "", "", "", ""
	if c := ev.Direction.Previous; c != nil {
		prevP, prevJ = c.Period, string(c.Judgement)
	}
	if c := ev.Direction.YearAgo; c != nil {
		yaP, yaJ = c.Period, string(c.Judgement)
	}
	return []string{ev.Indicator, ev.Area.Code, ev.Area.Name, ev.Period, fmtNum(ev.Value), ev.DisplayValue, ev.Status,
		string(ev.RAG.Status), fmtNum(ev.RAG.Target), eng, engJ, reg, regJ, sn, snJ, snN, rank, of, ev.Quartile, prevP, prevJ, yaP, yaJ}
}

func writeCSV(w io.Writer, evs []*engine.Evaluation) error {
	cw := csv.NewWriter(w)
	cw.Write(flatHeader)
	for _, ev := range evs {
		cw.Write(flatten(ev))
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(w io.Writer, evs []*engine.Evaluation) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tPERIOD\tVALUE\tRAG\tTARGET\tENGLAND\tREGION\tSN AVG\tRANK\tQ\tVS PREVIOUS")
	for _, ev := range evs {
		f := flatten(ev)
		val := ev.DisplayValue
		cmp := func(v, j string) string {
			if v == "" {
				return ""
			}
			return v + " (" + j + ")"
		}
		rank := ""
		if f[16] != "" {
			rank = f[16] + "/" + f[17]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.Indicator, ev.Period, val, ev.RAG.Status, f[8],
			cmp(f[9], f[10]), cmp(f[11], f[12]), cmp(f[13], f[14]), rank, ev.Quartile, strings.TrimSpace(f[20]))
	}
	return tw.Flush()
}

// evaluateScorecard prints a scorecard: each priority with its RAG summary, then its rows.
func (m *Main) evaluateScorecard(ctx context.Context, c common, id, area, period, format string) error {
	if format != "table" && format != "json" && format != "csv" {
		return errs.Errorf(errs.Invalid, "--format must be table, json or csv")
	}
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()
	res, err := app.Engine.EvaluateScorecard(ctx, id, area, period)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		var evs []*engine.Evaluation
		for _, p := range res.Priorities {
			for _, r := range p.Rows {
				if r.Evaluation != nil {
					evs = append(evs, r.Evaluation)
				}
			}
		}
		return writeCSV(m.Stdout, evs)
	}
	fmt.Fprintf(m.Stdout, "%s\n%s (%s)\n", res.Title, res.Area.Name, res.Area.Code)
	for _, p := range res.Priorities {
		s := p.Summary
		fmt.Fprintf(m.Stdout, "\n%s  [green %d, amber %d, red %d, no data %d, no target %d]\n", p.Title,
			s[engine.Green], s[engine.Amber], s[engine.Red], s[engine.NoData]+s[engine.Suppressed], s[engine.NoTarget])
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REF\tINDICATOR\tPERIOD\tVALUE\tTARGET\tRAG\tVS PREVIOUS\tTARGET FROM")
		for _, r := range p.Rows {
			ev := r.Evaluation
			if ev == nil {
				fmt.Fprintf(tw, "%s\t%s\t\t\t\t%s\t\t\n", r.Reference, r.Title, engine.NoData)
				continue
			}
			target, prev := "", ""
			if ev.RAG.Target != nil {
				target = stats.FormatFixed(*ev.RAG.Target, r.Decimals)
			}
			if ev.Direction.Previous != nil {
				prev = string(ev.Direction.Previous.Judgement)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Reference, r.Title, ev.Period, ev.DisplayValue, target,
				ev.RAG.Status, prev, ev.RAG.TargetSource)
		}
		tw.Flush()
	}
	return nil
}
