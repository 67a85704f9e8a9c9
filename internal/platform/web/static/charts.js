// ECharts glue: no inline scripts (the CSP forbids them), so a page puts
// each chart's data in <script type="application/json" id="…"> and a
// <div class="chart" data-chart="…"> naming it; this file draws them.
// Data: {"x": [labels], "series": [{"name", "data": [numbers|null]}],
//        "stack": bool, "percent": bool}
(function () {
  var palette = ["#1d6fb8", "#c0392b", "#1e8449", "#b9770e", "#7d3c98", "#5d6d7e", "#17a589"];

  function read(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function options(d) {
    var pct = !!d.percent;
    return {
      color: palette,
      animation: false,
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : (pct ? v + "%" : v); }
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 40, right: 16, top: 36, bottom: 28, containLabel: true },
      xAxis: { type: "category", data: d.x || [], axisLabel: { interval: "auto", hideOverlap: true } },
      yAxis: pct ? { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
                 : { type: "value", minInterval: 1 },
      series: (d.series || []).map(function (s) {
        var o = { name: s.name, type: "bar", data: s.data, barMaxWidth: 36 };
        if (d.stack) o.stack = "total";
        if (pct) o.label = { show: true, position: "top", formatter: function (p) { return p.value === null ? "" : p.value + "%"; } };
        return o;
      })
    };
  }

  function draw() {
    if (!window.echarts) return;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = read(el.getAttribute("data-chart"));
      if (!d) return;
      var total = 0;
      (d.series || []).forEach(function (s) { (s.data || []).forEach(function (v) { total += v || 0; }); });
      if (!total) { el.classList.add("empty"); el.textContent = "暂无数据"; return; }
      var c = window.echarts.init(el, null, { renderer: "canvas" });
      c.setOption(options(d));
      charts.push(c);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
