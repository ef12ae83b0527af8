// Draws every chart of a board page. Each chart's ECharts option is a JSON data block
// (<script type="application/json" class="chart-option" data-chart="ID">) beside its element
// (id ID); this file, served from the binary, is the pages' only script besides ECharts, so the
// content security policy needs no 'unsafe-inline' for scripts. It is loaded with defer after
// ECharts, so both run in order once the page is parsed (before DOMContentLoaded); it also works
// loaded any other way after ECharts.
(function () {
  "use strict";

  // PNG layout, in CSS pixels (the image is drawn at pixelRatio 2).
  var pixelRatio = 2, pad = 16, font = "Arial, Helvetica, sans-serif", ink = "#0b0c0c";

  // text is an element's text with its white space collapsed ("" when there is none).
  function text(el) {
    return el ? (el.textContent || "").replace(/\s+/g, " ").trim() : "";
  }

  // wrap splits s into lines no wider than width in ctx's current font.
  function wrap(ctx, s, width) {
    var words = s.split(" "), lines = [], line = "";
    for (var i = 0; i < words.length; i++) {
      var next = line ? line + " " + words[i] : words[i];
      if (line && ctx.measureText(next).width > width) {
        lines.push(line);
        line = words[i];
      } else {
        line = next;
      }
    }
    if (line) { lines.push(line); }
    return lines;
  }

  // captions are what the PNG says besides the chart, so that it stands alone when pasted into a
  // report: the title (unless the chart draws its own), the key, the source and the date the
  // data are as at, from the page (the figure's title and key) and the data block's attributes
  // (data-title, data-key, data-source, data-as-at override the page's).
  function captions(id, block, option) {
    var fig = document.getElementById(id + "_block");
    var title = block.getAttribute("data-title") || text(document.getElementById(id + "_title"));
    var drawsTitle = option && option.title && !Array.isArray(option.title) && option.title.text && option.title.show !== false;
    var key = block.getAttribute("data-key") || text(fig && fig.querySelector(".chart-key"));
    var source = block.getAttribute("data-source") || "";
    var asAt = block.getAttribute("data-as-at") || "";
    var foot = [];
    if (key) { foot.push(key); }
    if (source) { foot.push("Source: " + source); }
    if (asAt) { foot.push("Data as at " + asAt); }
    return { title: drawsTitle ? "" : title, foot: foot };
  }

  // download saves the chart as a PNG with its captions.
  function download(chart, id, block, option) {
    var background = block.getAttribute("data-background") || "#ffffff";
    var url = chart.getDataURL({ type: "png", pixelRatio: pixelRatio, backgroundColor: background });
    var img = new Image();
    img.onload = function () {
      var cap = captions(id, block, option);
      var canvas = document.createElement("canvas");
      var ctx = canvas.getContext("2d");
      var w = img.width / pixelRatio, inner = w - 2 * pad;
      ctx.font = "bold 16px " + font;
      var titleLines = cap.title ? wrap(ctx, cap.title, inner) : [];
      ctx.font = "14px " + font;
      var footLines = [];
      for (var i = 0; i < cap.foot.length; i++) { footLines = footLines.concat(wrap(ctx, cap.foot[i], inner)); }
      var top = titleLines.length ? pad + titleLines.length * 22 : 0;
      var h = top + img.height / pixelRatio + (footLines.length ? footLines.length * 20 + pad : 0);
      canvas.width = Math.ceil(w * pixelRatio);
      canvas.height = Math.ceil(h * pixelRatio);
      ctx = canvas.getContext("2d");
      ctx.scale(pixelRatio, pixelRatio);
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, w, h);
      ctx.fillStyle = ink;
      ctx.textBaseline = "top";
      ctx.font = "bold 16px " + font;
      for (var t = 0; t < titleLines.length; t++) { ctx.fillText(titleLines[t], pad, pad + t * 22); }
      ctx.drawImage(img, 0, top, img.width / pixelRatio, img.height / pixelRatio);
      ctx.font = "14px " + font;
      var y = top + img.height / pixelRatio;
      for (var f = 0; f < footLines.length; f++) { ctx.fillText(footLines[f], pad, y + f * 20); }
      var a = document.createElement("a");
      a.href = canvas.toDataURL("image/png");
      a.download = id + ".png";
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
    };
    img.src = url;
  }

  function draw(block) {
    var id = block.getAttribute("data-chart");
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") { return; }
    var option = JSON.parse(block.textContent);
    var chart = echarts.init(el, "white", { renderer: "canvas" });
    chart.setOption(option);
    var resize = function () { chart.resize(); };
    window.addEventListener("resize", resize);
    // Printing lays the page out again at the paper's width: draw the chart for it, and again
    // for the screen afterwards.
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
    if (window.matchMedia) {
      var print = window.matchMedia("print");
      if (print.addEventListener) { print.addEventListener("change", resize); }
    }
    var button = document.getElementById(id + "_png");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { download(chart, id, block, option); });
  }

  function drawAll() {
    performance.mark("charts-start");
    var blocks = document.querySelectorAll("script.chart-option");
    for (var i = 0; i < blocks.length; i++) { draw(blocks[i]); }
    // For real-user timing and the performance test (e2e/perf_test.go).
    performance.mark("charts-drawn");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
