// The ECharts the board pages need, and nothing else: the series and components their options
// use (charts/*.go: trend = line; comparison = bar + boxplot error bars; spine = stacked bar +
// scatter marks; title, legend, tooltip, grid with cartesian axes) and the canvas renderer.
// scripts/build-echarts.sh bundles it into charts/assets/echarts.min.js, which exposes the
// global `echarts` that charts/assets/charts.js uses (init, getInstanceByDom).
import * as echarts from "echarts/core";
import { BarChart, BoxplotChart, LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendPlainComponent, TitleComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([LineChart, BarChart, ScatterChart, BoxplotChart,
  GridComponent, LegendPlainComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

window.echarts = echarts;
