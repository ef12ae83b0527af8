package engine

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// storedRow is one evaluation as the evaluations table holds it: the key columns readers
// filter and sort on, and the whole evaluation as a JSON document.
type storedRow struct {
	indicator, areaCode, areaLevel string
	period, periodKind             string
	periodEnd                      time.Time
	value                          driver.Value // float64 or nil
	rag                            string
	doc                            []byte
}

// values is the row in the evaluations table's column order.
func (r *storedRow) values() []driver.Value {
	return []driver.Value{r.indicator, r.areaCode, r.areaLevel, r.period, r.periodKind, r.periodEnd, r.value, r.rag, r.doc}
}

// encodeRows turns evaluations into table rows.
func encodeRows(evs []*Evaluation) ([]storedRow, error) {
	rows := make([]storedRow, len(evs))
	for i, ev := range evs {
		doc, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encode evaluation of %s for %s in %s: %w", ev.Indicator, ev.Area.Code, ev.Period, err)
		}
		end, err := time.Parse(time.DateOnly, ev.PeriodEnd)
		if err != nil {
			return nil, fmt.Errorf("encode evaluation of %s for %s in %s: period end: %w", ev.Indicator, ev.Area.Code, ev.Period, err)
		}
		r := &rows[i]
		r.indicator, r.areaCode, r.areaLevel = ev.Indicator, ev.Area.Code, ev.Area.Level
		r.period, r.periodKind, r.periodEnd = ev.Period, ev.PeriodKind, end
		if ev.Value != nil {
			r.value = *ev.Value
		}
		r.rag, r.doc = ev.RAG.Status, doc
	}
	return rows, nil
}

// decodeDoc reads an evaluation back from its stored document.
func decodeDoc(doc []byte) (*Evaluation, error) {
	ev := &Evaluation{}
	if err := json.Unmarshal(doc, ev); err != nil {
		return nil, fmt.Errorf("engine: decode evaluation: %w", err)
	}
	return ev, nil
}
