// Upbeat dashboard behaviour: CSRF for htmx, response-time charts (uPlot), sortable tables.
(function () {
  "use strict";

  function cookie(name) {
    const m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }

  // Spring Security keeps the CSRF token in the XSRF-TOKEN cookie and expects it back as a header.
  document.addEventListener("htmx:configRequest", function (e) {
    const token = cookie("XSRF-TOKEN");
    if (token) e.detail.headers["X-XSRF-TOKEN"] = token;
  });

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // Draws the response-time JSON of /api/v1/apps/{id}/metrics/response-time into `el`.
  // Series: avg, p50, p95, p99 (ms); release markers as vertical lines with their version.
  function drawResponseTime(el, body) {
    const pts = body.points || [];
    const xs = pts.map((p) => Date.parse(p.t) / 1000);
    const pick = (k) => pts.map((p) => (p.count > 0 ? p[k] : null));
    const data = [xs, pick("avg_ms"), pick("p50_ms"), pick("p95_ms"), pick("p99_ms")];
    const releases = (body.releases || []).map((r) => ({
      x: Date.parse(r.deployed_at) / 1000,
      label: r.version,
    }));
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: 240,
      scales: { x: { time: true } },
      axes: [
        { stroke: css("--muted"), grid: { stroke: css("--line") } },
        { stroke: css("--muted"), grid: { stroke: css("--line") }, values: (u, v) => v.map((x) => x + " ms") },
      ],
      series: [
        {},
        { label: "avg", stroke: css("--chart-1"), width: 2 },
        { label: "p50", stroke: css("--chart-2") },
        { label: "p95", stroke: css("--chart-3") },
        { label: "p99", stroke: css("--chart-4") },
      ],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = css("--chart-release");
            ctx.fillStyle = css("--chart-release");
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.font = 11 * devicePixelRatio + "px system-ui";
            for (const r of releases) {
              if (r.x < u.scales.x.min || r.x > u.scales.x.max) continue;
              const x = Math.round(u.valToPos(r.x, "x", true));
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillText(r.label, x + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
    el.replaceChildren();
    const plot = new uPlot(opts, data, el);
    el.dataset.points = String(pts.filter((p) => p.count > 0).length);
    el.dataset.releases = String(releases.length);
    new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 })).observe(el);
  }

  // <div class="chart" data-src="/api/v1/apps/ID/metrics/response-time?..."> loads and draws itself.
  function loadCharts(root) {
    root.querySelectorAll(".chart[data-src]").forEach((el) => {
      fetch(el.dataset.src, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((body) => drawResponseTime(el, body))
        .catch(() => {
          el.textContent = "The chart could not be loaded.";
        });
    });
  }

  // <table class="sortable">: header buttons sort rows by the cell's data-value (or its text).
  function sortable(root) {
    root.querySelectorAll("table.sortable").forEach((table) => {
      table.querySelectorAll("th[data-sort] button.sort").forEach((button) => {
        if (button.dataset.bound) return;
        button.dataset.bound = "1";
        button.addEventListener("click", () => {
          const th = button.closest("th");
          const index = Array.from(th.parentNode.children).indexOf(th);
          const numeric = th.dataset.sort === "number";
          const dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
          table.querySelectorAll("th[aria-sort]").forEach((h) => h.setAttribute("aria-sort", "none"));
          th.setAttribute("aria-sort", dir);
          const body = table.tBodies[0];
          const rows = Array.from(body.rows);
          const key = (row) => {
            const cell = row.cells[index];
            const v = cell.dataset.value ?? cell.textContent.trim();
            return numeric ? parseFloat(v) || 0 : v.toLowerCase();
          };
          rows.sort((a, b) => {
            const x = key(a), y = key(b);
            const c = x < y ? -1 : x > y ? 1 : 0;
            return dir === "ascending" ? c : -c;
          });
          rows.forEach((r) => body.appendChild(r));
        });
      });
    });
  }

  // Copy buttons: <button data-copy="#id">.
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-copy]");
    if (!b) return;
    const target = document.querySelector(b.dataset.copy);
    if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
  });

  function init(root) {
    loadCharts(root);
    sortable(root);
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", (e) => init(e.target));
  window.Upbeat = { drawResponseTime, init };
})();
