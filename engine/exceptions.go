package engine

import (
	"context"
	"strings"
)

// The rules that put a scorecard row on the exception report.
const (
	// RuleRedAgainstTarget: the row is red against its target.
	RuleRedAgainstTarget = "red_against_target"
	// RuleWorseAndWorsening: worse than England and getting worse (Fingertips' "red-red").
	RuleWorseAndWorsening = "worse_than_england_and_worsening"
)

// Exception is a scorecard row a board should discuss first, with why.
type Exception struct {
	Priority string              `json:"priority"`
	Row      ScorecardItemResult `json:"row"`
	// Rules are the rules the row meets (RuleRedAgainstTarget, RuleWorseAndWorsening).
	Rules []string `json:"rules"`
	// Reasons say the same in words, with the figures.
	Reasons []string `json:"reasons"`
}

// ExceptionReport is the exception report of a scorecard for an area and period.
type ExceptionReport struct {
	Scorecard       string  `json:"scorecard"`
	Title           string  `json:"title"`
	Area            AreaRef `json:"area"`
	RequestedPeriod string  `json:"requested_period,omitempty"`
	// Rule describes the rules in words.
	Rule string `json:"rule"`
	// Rows is how many rows were checked.
	Rows       int         `json:"rows"`
	Exceptions []Exception `json:"exceptions"`
}

// ExceptionRule is ExceptionReport.Rule.
const ExceptionRule = "A row is an exception when it is red against its target, or when it is worse than England " +
	"(significantly, by the 95% confidence interval, where the value has one; otherwise by the difference) and getting worse: " +
	"worsening since the previous period, or a recent trend getting worse (Fingertips' \"red-red\")."

// Exceptions evaluates a scorecard for an area and period (as EvaluateScorecard, whose errors it
// returns) and keeps the rows that meet an exception rule, in the scorecard's order, each with its
// commentary.
func (e *Engine) Exceptions(ctx context.Context, id, area, p string) (*ExceptionReport, error) {
	sc, err := e.EvaluateScorecard(ctx, id, area, p)
	if err != nil {
		return nil, err
	}
	rep := &ExceptionReport{Scorecard: sc.ID, Title: sc.Title, Area: sc.Area, RequestedPeriod: sc.RequestedPeriod,
		Rule: ExceptionRule, Exceptions: []Exception{}}
	for _, pr := range sc.Priorities {
		for _, row := range pr.Rows {
			rep.Rows++
			rules, reasons := exceptionRules(row.Evaluation)
			if len(rules) > 0 {
				rep.Exceptions = append(rep.Exceptions, Exception{Priority: pr.Title, Row: row, Rules: rules, Reasons: reasons})
			}
		}
	}
	return rep, nil
}

// exceptionRules are the rules an evaluation meets, with reasons in words.
func exceptionRules(ev *Evaluation) (rules, reasons []string) {
	if ev == nil {
		return nil, nil
	}
	if ev.RAG.Status == Red {
		rules = append(rules, RuleRedAgainstTarget)
		reason := "Red against its target"
		if ev.RAG.Reason != "" {
			reason += ": " + ev.RAG.Reason
		}
		reasons = append(reasons, reason)
	}
	eng := ev.Comparators.England
	if eng == nil || eng.Judgement != "worse" {
		return rules, reasons
	}
	var worsening []string
	if d := ev.Direction.Previous; d != nil && d.Judgement == "worsening" {
		worsening = append(worsening, "worsening since "+d.Period)
	}
	if t := ev.RecentTrend; t != nil && strings.HasSuffix(t.Label, "_getting_worse") {
		worsening = append(worsening, "recent trend "+strings.ReplaceAll(strings.ReplaceAll(t.Label, "_getting_", " and getting "), "_", " "))
	}
	if len(worsening) == 0 {
		return rules, reasons
	}
	how := "worse than England by the difference (no confidence interval)"
	if strings.HasPrefix(eng.Method, "ci95") {
		how = "significantly worse than England (95% confidence interval)"
	}
	rules = append(rules, RuleWorseAndWorsening)
	reasons = append(reasons, strings.ToUpper(how[:1])+how[1:]+", and "+strings.Join(worsening, "; "))
	return rules, reasons
}
