package charts

import (
	"encoding/json"
	"math"
	"testing"

	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Finding 10: even a NaN or ±Inf that reaches a chart's option (in series data, or patched in as
// a plain map) does not make Option fail: it is written as a gap ("-").
func TestFinding10OptionNeverFailsToEncode(t *testing.T) {
	bar := echarts.NewBar()
	bar.SetXAxis([]string{"a", "b", "c"})
	bar.AddSeries("Value", []opts.BarData{{Name: "a", Value: math.NaN()}, {Name: "b", Value: math.Inf(1)}, {Name: "c", Value: 2.5}})
	bar.Accept(patcher{patch: func(o map[string]any) {
		o["extra"] = map[string]any{"value": []any{math.Inf(-1), 1.0}}
	}})
	raw, err := (&Chart{ID: "t", EChart: bar}).Option()
	if err != nil {
		t.Fatalf("Option: %v", err)
	}
	var got struct {
		Series []struct{ Data []struct{ Value any } }
		Extra  struct{ Value []any }
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	d := got.Series[0].Data
	if len(d) != 3 || d[0].Value != missing || d[1].Value != missing || d[2].Value != 2.5 {
		t.Errorf("series data %+v, want -, -, 2.5", d)
	}
	if len(got.Extra.Value) != 2 || got.Extra.Value[0] != missing || got.Extra.Value[1] != 1.0 {
		t.Errorf("patched values %+v, want -, 1", got.Extra.Value)
	}
}
