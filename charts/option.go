package charts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"

	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// echart is what this package needs of a go-echarts chart: rendering, its option as a map, and
// the validation go-echarts runs before either.
type echart interface {
	render.Renderer
	JSON() map[string]any
	Validate()
	Accept(echarts.ConfigurationVisitor)
}

// Option is the chart's ECharts option as JSON, exactly what the page passes to setOption: for
// other front ends (GET /api/v1/charts/...). Every option this package builds is plain data (no
// JavaScript functions), so the JSON is complete. Keys are sorted, so equal charts give equal
// bytes.
func (c *Chart) Option() (json.RawMessage, error) {
	if c == nil || c.EChart == nil {
		return nil, fmt.Errorf("charts: no chart")
	}
	ec, ok := c.EChart.(echart)
	if !ok {
		return nil, fmt.Errorf("charts: %s: chart type %T has no option", c.ID, c.EChart)
	}
	ec.Validate()
	option := ec.JSON()
	b, err := encodeOption(option)
	var unsupported *json.UnsupportedValueError
	if errors.As(err, &unsupported) {
		// A NaN or ±Inf got into the option although every figure is checked where it is drawn:
		// draw it as a gap (ECharts' "-") rather than fail the whole chart.
		b, err = encodeOption(scrubNonFinite(reflect.ValueOf(option)).Interface())
	}
	if err != nil {
		return nil, fmt.Errorf("charts: %s: encode option: %w", c.ID, err)
	}
	return json.RawMessage(b), nil
}

func encodeOption(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

// scrubNonFinite returns v with every NaN or ±Inf float replaced: by missing ("-") where the
// value is an interface (chart data), by 0 in a float field or slice, which has nothing else to
// hold. Values are copied where they cannot be changed in place (map values, interfaces).
func scrubNonFinite(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return reflect.Zero(v.Type())
		}
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		inner := v.Elem()
		if k := inner.Kind(); k == reflect.Float32 || k == reflect.Float64 {
			if f := inner.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
				out := reflect.New(v.Type()).Elem()
				out.Set(reflect.ValueOf(missing))
				return out
			}
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(scrubNonFinite(inner))
		return out
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(scrubNonFinite(v.Elem()))
			return p
		}
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := range v.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(scrubNonFinite(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(scrubNonFinite(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			out.Index(i).Set(scrubNonFinite(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), scrubNonFinite(it.Value()))
		}
		return out
	}
	return v
}

// patcher lets a chart set ECharts options go-echarts has no field for (an axis name's
// alignment, a boxplot series for error bars): patch runs on the finished option map, for the
// page and for Option alike.
type patcher struct {
	echarts.BaseConfigurationVisitor
	patch func(option map[string]any)
}

// Visit implements echarts.ConfigurationVisitor.
func (p patcher) Visit(option map[string]any) { p.patch(option) }

// asMaps turns a go-echarts option value (a struct or a slice of them) into plain maps, so that a
// patch can add keys go-echarts does not know.
func asMaps(v any) []map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var list []map[string]any
	if json.Unmarshal(raw, &list) == nil {
		for _, m := range list {
			dropNulls(m)
		}
		return list
	}
	var one map[string]any
	if json.Unmarshal(raw, &one) == nil {
		dropNulls(one)
		return []map[string]any{one}
	}
	return nil
}

// dropNulls removes null members (go-echarts fields without omitempty), recursively.
func dropNulls(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if x == nil {
				delete(v, k)
				continue
			}
			dropNulls(x)
		}
	case []any:
		for _, x := range v {
			dropNulls(x)
		}
	}
}

// axisNameInside keeps a value axis's name (drawn at the axis's end) inside the chart: aligned to
// start at the axis line instead of centred on it, where the chart's left edge clipped it.
func axisNameInside(option map[string]any, axis string) {
	axes := asMaps(option[axis])
	for _, a := range axes {
		if a["type"] == "value" {
			a["nameTextStyle"] = map[string]any{"align": "left", "color": colourText, "fontSize": 14}
		}
	}
	if axes != nil {
		option[axis] = axes
	}
}
