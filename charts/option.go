package charts

import (
	"bytes"
	"encoding/json"
	"fmt"

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
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ec.JSON()); err != nil {
		return nil, fmt.Errorf("charts: %s: encode option: %w", c.ID, err)
	}
	return json.RawMessage(bytes.TrimSpace(b.Bytes())), nil
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
