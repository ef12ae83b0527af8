package engine

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// storedRow is one evaluation as the evaluations table holds it: the key columns readers
// filter and sort on, and the whole evaluation as a document (see doc.go for its encoding).
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

// encodeRows turns evaluations into table rows. The documents of one call share one buffer.
func encodeRows(evs []*Evaluation) ([]storedRow, error) {
	rows := make([]storedRow, len(evs))
	ends := make([]int, len(evs))
	buf := make([]byte, 0, len(evs)*docSizeHint)
	for i, ev := range evs {
		end, err := time.Parse(time.DateOnly, ev.PeriodEnd)
		if err != nil {
			return nil, fmt.Errorf("encode evaluation of %s for %s in %s: period end: %w", ev.Indicator, ev.Area.Code, ev.Period, err)
		}
		// The run's time and the source revision are not stored with each version (history.go):
		// an unchanged evaluation's document is then the same from run to run.
		stored := *ev
		stored.EvaluatedAt, stored.Source.Revision = time.Time{}, 0
		buf = appendDoc(buf, &stored)
		ends[i] = len(buf)
		r := &rows[i]
		r.indicator, r.areaCode, r.areaLevel = ev.Indicator, ev.Area.Code, ev.Area.Level
		r.period, r.periodKind, r.periodEnd = ev.Period, ev.PeriodKind, end
		if ev.Value != nil {
			r.value = *ev.Value
		}
		r.rag = string(ev.RAG.Status)
	}
	// Documents are cut from the final buffer, so the ones it outgrew can be freed.
	start := 0
	for i, end := range ends {
		rows[i].doc = buf[start:end:end]
		start = end
	}
	return rows, nil
}

// docSizeHint is a little over the mean size of a document on the shipped data (299 bytes), so
// one allocation usually holds an indicator's documents.
const docSizeHint = 320

// decodeDoc reads an evaluation back from its stored document: the binary encoding, or JSON as
// databases written before it hold (they are rewritten by the next evaluation).
func decodeDoc(doc []byte) (*Evaluation, error) { return decodeDocWith(doc, nil) }

// decodeDocWith is decodeDoc, taking the strings that recur across documents from strs (a
// read of many documents shares one; nil allocates every string).
func decodeDocWith(doc []byte, strs *stringTable) (*Evaluation, error) {
	ev := &Evaluation{}
	switch {
	case len(doc) > 0 && doc[0] == '{':
		if err := json.Unmarshal(doc, ev); err != nil {
			return nil, fmt.Errorf("engine: decode evaluation: %w", err)
		}
	default:
		if err := readDoc(doc, ev, strs); err != nil {
			return nil, fmt.Errorf("engine: decode evaluation: %w", err)
		}
	}
	return ev, nil
}
