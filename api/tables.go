package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
)

// evaluationColumns are the flat columns of an evaluation, in every tabular format. The names
// are part of the API contract (the OpenAPI document lists them).
var evaluationColumns = []column{
	{Name: "indicator", Kind: kText, Required: true},
	{Name: "area_code", Kind: kText, Required: true},
	{Name: "dfe_code", Kind: kText},
	{Name: "area_name", Kind: kText, Required: true},
	{Name: "area_level", Kind: kText, Required: true},
	{Name: "period", Kind: kText, Required: true},
	{Name: "period_kind", Kind: kText, Required: true},
	{Name: "period_end", Kind: kDate, Required: true},
	{Name: "status", Kind: kText, Required: true},
	{Name: "marker", Kind: kText},
	{Name: "value", Kind: kNumber, Scaled: true},
	{Name: "display_value", Kind: kText},
	{Name: "numerator", Kind: kNumber},
	{Name: "denominator", Kind: kNumber},
	{Name: "ci_method", Kind: kText},
	{Name: "lower_95", Kind: kNumber, Scaled: true},
	{Name: "upper_95", Kind: kNumber, Scaled: true},
	{Name: "lower_998", Kind: kNumber, Scaled: true},
	{Name: "upper_998", Kind: kNumber, Scaled: true},
	{Name: "rag", Kind: kText, Required: true},
	{Name: "rag_rule", Kind: kText},
	{Name: "target", Kind: kNumber, Scaled: true},
	{Name: "tolerance", Kind: kNumber},
	{Name: "tolerance_type", Kind: kText},
	{Name: "target_source", Kind: kText},
	{Name: "england_value", Kind: kNumber, Scaled: true},
	{Name: "england_source", Kind: kText},
	{Name: "england_judgement", Kind: kText},
	{Name: "region_code", Kind: kText},
	{Name: "region_name", Kind: kText},
	{Name: "region_value", Kind: kNumber, Scaled: true},
	{Name: "region_source", Kind: kText},
	{Name: "region_judgement", Kind: kText},
	{Name: "sn_value", Kind: kNumber, Scaled: true},
	{Name: "sn_source", Kind: kText},
	{Name: "sn_judgement", Kind: kText},
	{Name: "sn_vintage", Kind: kText},
	{Name: "sn_n", Kind: kInteger},
	{Name: "sn_of", Kind: kInteger},
	{Name: "rank", Kind: kInteger},
	{Name: "rank_of", Kind: kInteger},
	{Name: "quartile", Kind: kText},
	{Name: "quintile", Kind: kInteger},
	{Name: "direction_previous", Kind: kText},
	{Name: "previous_period", Kind: kText},
	{Name: "previous_change", Kind: kNumber, Scaled: true},
	{Name: "previous_change_percent", Kind: kNumber},
	{Name: "direction_year_ago", Kind: kText},
	{Name: "year_ago_period", Kind: kText},
	{Name: "year_ago_change", Kind: kNumber, Scaled: true},
	{Name: "year_ago_change_percent", Kind: kNumber},
	{Name: "recent_trend", Kind: kText},
	{Name: "forecast", Kind: kText},
	{Name: "forecast_target_period", Kind: kText},
	{Name: "forecast_projected", Kind: kNumber, Scaled: true},
	{Name: "dataset", Kind: kText},
	{Name: "revision", Kind: kInteger},
	{Name: "source_row", Kind: kInteger},
	{Name: "evaluated_at", Kind: kTimestamp, Required: true},
}

// evaluationCells flattens an evaluation into evaluationColumns' cells. A nil evaluation (a
// scorecard row without a figure) is a row of missing cells.
func (s *Server) evaluationCells(ev *engine.Evaluation) []any {
	return s.appendEvaluationCells(make([]any, 0, len(evaluationColumns)), ev, nil)
}

// dfeCode is the DfE local authority number of an area ("839" for E06000058), or missing for
// areas without one (England, regions).
func (s *Server) dfeCode(code string, b *cellBoxes) any {
	if s.Areas == nil {
		return nil
	}
	if a, ok := s.Areas.Lookup(code); ok {
		return b.str(a.DfECode)
	}
	return nil
}

// appendEvaluationCells appends ev's evaluationColumns cells to cells (whose length it
// ignores beyond appending), so a streamed download can reuse one row; b, when not nil, boxes
// the text, date and timestamp cells (a streamed download's rows share their boxes).
func (s *Server) appendEvaluationCells(cells []any, ev *engine.Evaluation, b *cellBoxes) []any {
	if ev == nil {
		return append(cells, make([]any, len(evaluationColumns))...)
	}
	var lo95, hi95, lo998, hi998 any
	ciMethod := ""
	if ev.CI != nil {
		lo95, hi95, lo998, hi998 = numPtr(ev.CI.Lower95), numPtr(ev.CI.Upper95), numPtr(ev.CI.Lower998), numPtr(ev.CI.Upper998)
		ciMethod = ev.CI.Method
	}
	cmp := func(c *engine.Comparator) (value, source, judgement any) {
		if c == nil {
			return nil, nil, nil
		}
		return numPtr(c.Value), b.str(c.Source), b.str(string(c.Judgement))
	}
	engValue, engSource, engJudgement := cmp(ev.Comparators.England)
	regValue, regSource, regJudgement := cmp(ev.Comparators.Region)
	snValue, snSource, snJudgement := cmp(ev.Comparators.StatisticalNeighbours)
	var regCode, regName, snVintage, snN, snOf any
	if r := ev.Comparators.Region; r != nil {
		regCode, regName = b.str(r.Code), b.str(r.Name)
	}
	if sn := ev.Comparators.StatisticalNeighbours; sn != nil {
		snVintage, snN, snOf = b.str(sn.Vintage), intOrNil(int64(sn.N)), intOrNil(int64(sn.Of))
	}
	var rank, rankOf, quintile any
	if ev.Rank != nil {
		rank, rankOf = integer(ev.Rank.Position), integer(ev.Rank.Of)
	}
	if ev.Quintile != nil {
		quintile = integer(ev.Quintile.Position)
	}
	change := func(c *engine.Change) (judgement, period, change, percent any) {
		if c == nil {
			return nil, nil, nil, nil
		}
		return b.str(string(c.Judgement)), b.str(c.Period), numPtr(c.Change), numPtr(c.ChangePercent)
	}
	prevJ, prevP, prevC, prevPct := change(ev.Direction.Previous)
	yaJ, yaP, yaC, yaPct := change(ev.Direction.YearAgo)
	var trend, fcStatus, fcPeriod, fcProjected any
	if ev.RecentTrend != nil {
		trend = b.str(string(ev.RecentTrend.Label))
	}
	if ev.Forecast != nil {
		fcStatus, fcPeriod, fcProjected = b.str(ev.Forecast.Status), b.str(ev.Forecast.TargetPeriod), numPtr(ev.Forecast.Projected)
	}
	return append(cells,
		b.str(ev.Indicator), b.str(ev.Area.Code), s.dfeCode(ev.Area.Code, b), b.str(ev.Area.Name), b.str(ev.Area.Level),
		b.str(ev.Period), b.str(ev.PeriodKind), b.date(ev.PeriodEnd), b.str(ev.Status), b.str(ev.Marker),
		numPtr(ev.Value), b.str(ev.DisplayValue), numPtr(ev.Numerator), numPtr(ev.Denominator),
		b.str(ciMethod), lo95, hi95, lo998, hi998,
		b.str(string(ev.RAG.Status)), b.str(ev.RAG.Rule), numPtr(ev.RAG.Target), numPtr(ev.RAG.Tolerance), b.str(ev.RAG.ToleranceType), b.str(ev.RAG.TargetSource),
		engValue, engSource, engJudgement,
		regCode, regName, regValue, regSource, regJudgement,
		snValue, snSource, snJudgement, snVintage, snN, snOf,
		rank, rankOf, b.str(ev.Quartile), quintile,
		prevJ, prevP, prevC, prevPct,
		yaJ, yaP, yaC, yaPct,
		trend, fcStatus, fcPeriod, fcProjected,
		b.str(ev.Source.Dataset), intOrNil(ev.Source.Revision), intOrNil(int64(ev.Source.Row)), b.stamp(ev.EvaluatedAt),
	)
}

// decimalsOf is an indicator's display decimal places, or -1 when it is unknown.
func (s *Server) decimalsOf(id string) int {
	if d, ok := s.Catalog.Get(id); ok {
		return d.Decimals
	}
	return -1
}

// evaluationTable is a list of evaluations, one row each.
func (s *Server) evaluationTable(name string, evs []*engine.Evaluation) *table {
	t := &table{Name: name, Columns: evaluationColumns}
	for _, ev := range evs {
		t.add(s.decimalsOf(ev.Indicator), s.evaluationCells(ev)...)
	}
	return t
}

// evaluationStream is every stored evaluation matching f as a streamed table. The read runs on
// a goroutine of its own: it decodes and flattens the evaluations in batches while the
// renderer writes the previous batch, so a download uses two cores; at most a few batches are
// in flight, so memory stays constant whatever the number of rows.
func (s *Server) evaluationStream(ctx context.Context, name string, f engine.EvaluationFilter) *table {
	return &table{Name: name, Columns: evaluationColumns, Stream: func(emit func(int, []any) error) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		type batch struct {
			rows     [][]any
			decimals []int
		}
		batches := make(chan batch, 4)
		var readErr error
		go func() {
			defer close(batches) // after readErr is set
			var b batch
			// The cells of a batch's rows share one allocation; a batch is never reused, so a
			// renderer may keep its rows.
			var cells []any
			boxes := newCellBoxes()
			send := func() error {
				select {
				case batches <- b:
					b = batch{}
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			readErr = s.Engine.EachEvaluation(ctx, f, func(ev *engine.Evaluation) error {
				if len(cells) == 0 {
					cells = make([]any, streamBatchRows*len(evaluationColumns))
				}
				row := s.appendEvaluationCells(cells[:0:len(evaluationColumns)], ev, boxes)
				cells = cells[len(evaluationColumns):]
				b.rows = append(b.rows, row)
				b.decimals = append(b.decimals, s.decimalsOf(ev.Indicator))
				if len(b.rows) == streamBatchRows {
					return send()
				}
				return nil
			})
			if readErr == nil && len(b.rows) > 0 {
				readErr = send()
			}
		}()
		for b := range batches {
			for i, row := range b.rows {
				if err := emit(b.decimals[i], row); err != nil {
					cancel()
					for range batches { // let the reader see the cancel and finish
					}
					return err
				}
			}
		}
		return readErr
	}}
}

// streamBatchRows is how many rows the reader of a streamed download hands over at a time.
const streamBatchRows = 512

// withPrefix is prefix's columns followed by the evaluation's, without its indicator column
// (the prefix has it). A scorecard row may have no evaluation, so none of those is Required.
func withPrefix(prefix ...column) []column {
	out := append([]column{}, prefix...)
	for _, c := range evaluationColumns[1:] {
		c.Required = false
		out = append(out, c)
	}
	return out
}

// areaScorecardTable is an area's scorecard: one row per indicator in catalogue order.
func (s *Server) areaScorecardTable(sc *engine.Scorecard) *table {
	t := &table{Name: "scorecard-" + sc.Area.Code, Columns: withPrefix(
		column{Name: "indicator", Kind: kText}, column{Name: "reference", Kind: kText},
		column{Name: "title", Kind: kText}, column{Name: "unit", Kind: kText}, column{Name: "polarity", Kind: kText})}
	for _, r := range sc.Rows {
		cells := []any{str(r.Indicator), str(r.Reference), str(r.Title), str(r.Unit), str(r.Polarity)}
		ev := s.evaluationCells(r.Evaluation)
		t.add(s.decimalsOf(r.Indicator), append(cells, ev[1:]...)...)
	}
	return t
}

// scorecardTable is an evaluated scorecard: one row per item, and in Excel one sheet per
// priority.
func (s *Server) scorecardTable(res *engine.ScorecardResult) *table {
	t := &table{Name: res.ID + "-" + res.Area.Code, Columns: withPrefix(
		column{Name: "priority", Kind: kText}, column{Name: "priority_number", Kind: kInteger},
		column{Name: "indicator", Kind: kText}, column{Name: "reference", Kind: kText},
		column{Name: "title", Kind: kText}, column{Name: "unit", Kind: kText}, column{Name: "polarity", Kind: kText},
		column{Name: "owner", Kind: kText}, column{Name: "monitoring_body", Kind: kText})}
	for i, p := range res.Priorities {
		from := len(t.Rows)
		for _, r := range p.Rows {
			cells := []any{str(p.Title), integer(i + 1), str(r.Indicator), str(r.Reference), str(r.Title), str(r.Unit),
				str(r.Polarity), str(r.Owner), str(r.MonitoringBody)}
			ev := s.evaluationCells(r.Evaluation)
			t.add(r.Decimals, append(cells, ev[1:]...)...)
		}
		t.Sheets = append(t.Sheets, sheet{Name: sheetName(i+1, p.Title), From: from, To: len(t.Rows)})
	}
	return t
}

// sheetName is a scorecard priority's worksheet name: its number and title (sheetNames
// makes it valid and unique).
func sheetName(n int, title string) string { return fmt.Sprintf("%d %s", n, title) }

// maxSheetName is the longest worksheet name Excel accepts.
const maxSheetName = 31

// sheetNames makes valid, unique Excel worksheet names, by one documented rule (README,
// "Excel workbooks"):
//
//  1. each of : \ / ? * [ ] becomes a space; runs of spaces become one; spaces and apostrophes
//     at either end are dropped; an empty name is "data";
//  2. a name longer than 31 characters keeps its first 30 (without a trailing space) and ends
//     in "~", so a shortened name is always visible as such;
//  3. a name already used in the workbook (Excel ignores case) ends in "~2", "~3"... instead,
//     its start shortened to keep within 31 characters.
type sheetNames map[string]bool

func (used sheetNames) name(raw string) string {
	var b strings.Builder
	space := false
	for _, r := range raw {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']', ' ', '\t', '\n', '\r':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	name := strings.Trim(b.String(), " '")
	if name == "" {
		name = "data"
	}
	cut := func(s string, n int) string {
		r := []rune(s)
		if len(r) <= n {
			return s
		}
		return strings.TrimRight(string(r[:n]), " '")
	}
	if len([]rune(name)) > maxSheetName {
		name = cut(name, maxSheetName-1) + "~"
	}
	out := name
	for i := 2; used[strings.ToLower(out)]; i++ {
		suffix := "~" + strconv.Itoa(i)
		out = cut(strings.TrimSuffix(name, "~"), maxSheetName-len(suffix)) + suffix
	}
	used[strings.ToLower(out)] = true
	return out
}

func indicatorTable(defs []*indicators.Definition) *table {
	t := &table{Name: "indicators", Columns: []column{
		{Name: "id", Kind: kText}, {Name: "reference", Kind: kText}, {Name: "title", Kind: kText},
		{Name: "topic", Kind: kText}, {Name: "description", Kind: kText}, {Name: "unit", Kind: kText}, {Name: "decimals", Kind: kInteger},
		{Name: "polarity", Kind: kText}, {Name: "ci_method", Kind: kText}, {Name: "rag_rule", Kind: kText},
		{Name: "banding", Kind: kText}, {Name: "dataset", Kind: kText}, {Name: "targets", Kind: kInteger},
		{Name: "owner", Kind: kText}, {Name: "monitoring_body", Kind: kText}, {Name: "source", Kind: kText},
		{Name: "url", Kind: kText},
	}}
	for _, d := range defs {
		t.add(-1, str(d.ID), str(d.Reference), str(d.Title), str(d.Topic), str(d.Description), str(string(d.Unit)), integer(d.Decimals),
			str(string(d.Polarity)), str(string(d.CIMethod)), str(d.RAGRule), str(d.Banding), str(d.Source.Dataset),
			integer(len(d.Targets)), str(d.Metadata.Owner), str(d.Metadata.MonitoringBody), str(d.Metadata.Source),
			str(d.Metadata.URL))
	}
	return t
}

func areaTable(list []areaJSON) *table {
	t := &table{Name: "areas", Columns: []column{
		{Name: "code", Kind: kText}, {Name: "dfe_code", Kind: kText}, {Name: "name", Kind: kText},
		{Name: "level", Kind: kText}, {Name: "region_code", Kind: kText}, {Name: "region_name", Kind: kText},
		{Name: "subregion_code", Kind: kText}, {Name: "live", Kind: kBoolean}, {Name: "valid_from", Kind: kDate},
		{Name: "valid_to", Kind: kDate}, {Name: "former_codes", Kind: kText}, {Name: "successors", Kind: kText},
		{Name: "predecessors", Kind: kText},
	}}
	for _, a := range list {
		var regCode, regName, subCode any
		if a.Region != nil {
			regCode, regName = str(a.Region.Code), str(a.Region.Name)
		}
		if a.SubRegion != nil {
			subCode = str(a.SubRegion.Code)
		}
		t.add(-1, str(a.Code), str(a.DfECode), str(a.Name), str(a.Level), regCode, regName, subCode, a.Live,
			isoDate(a.ValidFrom), isoDate(a.ValidTo), joined(a.FormerCodes), joined(a.Successors), joined(a.Predecessors))
	}
	return t
}

func scorecardListTable(list []scorecardSummary) *table {
	t := &table{Name: "scorecards", Columns: []column{
		{Name: "id", Kind: kText}, {Name: "title", Kind: kText}, {Name: "description", Kind: kText},
		{Name: "area", Kind: kText}, {Name: "priorities", Kind: kInteger}, {Name: "indicators", Kind: kInteger},
	}}
	for _, s := range list {
		t.add(-1, str(s.ID), str(s.Title), str(s.Description), str(s.Area), integer(s.Priorities), integer(s.Indicators))
	}
	return t
}

func datasetTable(list []datasets.Dataset) *table {
	t := &table{Name: "datasets", Columns: []column{
		{Name: "name", Kind: kText}, {Name: "revision", Kind: kInteger}, {Name: "created_at", Kind: kTimestamp},
		{Name: "created_by", Kind: kText}, {Name: "file_name", Kind: kText}, {Name: "rows", Kind: kInteger},
		{Name: "bytes", Kind: kInteger}, {Name: "format", Kind: kText}, {Name: "encoding", Kind: kText},
		{Name: "columns", Kind: kInteger},
	}}
	for _, d := range list {
		r := d.Current
		t.add(-1, str(d.Name), intOrNil(r.ID), timestamp(r.CreatedAt), str(r.CreatedBy), str(r.FileName),
			integer(r.Rows), r.Bytes, str(r.Format), str(r.Encoding), integer(len(d.Columns)))
	}
	return t
}

func revisionTable(name string, list []datasets.Revision) *table {
	t := &table{Name: "revisions-" + name, Columns: []column{
		{Name: "id", Kind: kInteger}, {Name: "dataset", Kind: kText}, {Name: "created_at", Kind: kTimestamp},
		{Name: "created_by", Kind: kText}, {Name: "file_name", Kind: kText}, {Name: "sha256", Kind: kText},
		{Name: "bytes", Kind: kInteger}, {Name: "rows", Kind: kInteger}, {Name: "status", Kind: kText},
		{Name: "format", Kind: kText}, {Name: "encoding", Kind: kText}, {Name: "restored_from", Kind: kInteger},
		{Name: "current", Kind: kBoolean}, {Name: "warnings", Kind: kText}, {Name: "error_count", Kind: kInteger},
	}}
	for _, r := range list {
		t.add(-1, r.ID, str(r.Dataset), timestamp(r.CreatedAt), str(r.CreatedBy), str(r.FileName), str(r.SHA256),
			r.Bytes, integer(r.Rows), str(r.Status), str(r.Format), str(r.Encoding), intOrNil(r.RestoredFrom),
			r.Current, joined(r.Warnings), integer(r.ErrorCount))
	}
	return t
}

func commentTable(name string, list []engine.Comment) *table {
	t := &table{Name: name, Columns: []column{
		{Name: "id", Kind: kInteger}, {Name: "indicator", Kind: kText}, {Name: "area", Kind: kText},
		{Name: "period", Kind: kText}, {Name: "author", Kind: kText}, {Name: "created_at", Kind: kTimestamp},
		{Name: "text", Kind: kText}, {Name: "posted_by_token_id", Kind: kText}, {Name: "posted_by_token_name", Kind: kText},
	}}
	for _, c := range list {
		var id, name any
		if c.PostedBy != nil {
			id, name = str(c.PostedBy.TokenID), str(c.PostedBy.TokenName)
		}
		t.add(-1, c.ID, str(c.Indicator), str(c.Area), str(c.Period), str(c.Author), timestamp(c.CreatedAt), str(c.Text), id, name)
	}
	return t
}
