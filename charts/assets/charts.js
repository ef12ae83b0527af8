// Draws every chart of a board page. Each chart's ECharts option is a JSON data block
// (<script type="application/json" class="chart-option" data-chart="ID">) beside its element
// (id ID); this file, served from the binary, is the pages' only script besides ECharts, so the
// content security policy needs no 'unsafe-inline' for scripts.
(function () {
  "use strict";
  function draw(block) {
    var id = block.getAttribute("data-chart");
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, "white", { renderer: "canvas" });
    chart.setOption(JSON.parse(block.textContent));
    window.addEventListener("resize", function () { chart.resize(); });
    var button = document.getElementById(id + "_png");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var a = document.createElement("a");
      a.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: block.getAttribute("data-background") || "#ffffff" });
      a.download = id + ".png";
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
    });
  }
  function drawAll() {
    var blocks = document.querySelectorAll("script.chart-option");
    for (var i = 0; i < blocks.length; i++) { draw(blocks[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
