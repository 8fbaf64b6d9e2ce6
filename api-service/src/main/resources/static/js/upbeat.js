// Upbeat dashboard behaviour: CSRF for htmx, charts (uPlot), sortable tables, htmx errors.
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

  // A refused htmx request (4xx/5xx is not swapped): say why in the nearest [data-errors] region's
  // role=alert element, using the contract's error body when there is one.
  function showRequestError(e, fallback) {
    const box = e.detail.elt && e.detail.elt.closest("[data-errors]");
    const alert = box && box.querySelector("[role=alert]");
    if (!alert) return;
    let message = fallback;
    const xhr = e.detail.xhr;
    if (xhr && xhr.responseText) {
      try {
        const body = JSON.parse(xhr.responseText);
        if (body.message) {
          message = body.message;
          const problems = (body.details || []).map((d) => d.field + " " + d.problem);
          if (problems.length) message += " (" + problems.join("; ") + ")";
        }
      } catch (ignored) {
        // Not JSON: a dashboard request answers with the HTML error page; read its message.
        const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        const text = page.getElementById("error-message");
        if (text) {
          message = text.textContent.trim();
          const problems = Array.from(page.querySelectorAll("#error-details li")).map((li) =>
            li.textContent.trim().replace(/\s+/g, " "),
          );
          if (problems.length) message += " (" + problems.join("; ") + ")";
        }
      }
    }
    alert.textContent = message;
  }
  document.addEventListener("htmx:responseError", (e) =>
    showRequestError(e, "The change was refused (HTTP " + e.detail.xhr.status + ")."),
  );
  document.addEventListener("htmx:sendError", (e) =>
    showRequestError(e, "Upbeat could not be reached; try again."),
  );
  // After a swap that removed the focused control (Resolve becomes Reopen), keyboard focus would
  // fall to the page: put it on the region's [data-focus-after-swap] element (the new status).
  document.addEventListener("htmx:afterSettle", (e) => {
    const region = e.target;
    if (!region.matches || !region.matches("[data-errors]")) return;
    if (document.activeElement && document.activeElement !== document.body) return;
    const target = region.querySelector("[data-focus-after-swap]");
    if (target) target.focus();
  });
  document.addEventListener("htmx:beforeRequest", (e) => {
    const box = e.detail.elt && e.detail.elt.closest("[data-errors]");
    const alert = box && box.querySelector("[role=alert]");
    if (alert) alert.textContent = "";
  });

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  const HEIGHT = 240;
  const INTERVAL_SECONDS = { "1m": 60, "5m": 300, "1h": 3600, "1d": 86400 };

  // Release markers: vertical lines labelled with their version, drawn after the series.
  function releaseHook(releases) {
    return (u) => {
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
        // Right of its line, or left of it where the label would run past the plot's edge.
        const gap = 4 * devicePixelRatio;
        const width = ctx.measureText(r.label).width;
        const right = x + gap + width <= u.bbox.left + u.bbox.width;
        ctx.fillText(r.label, right ? x + gap : x - gap - width, u.bbox.top + 12 * devicePixelRatio);
      }
      ctx.restore();
    };
  }

  function releasesOf(body) {
    return (body.releases || []).map((r) => ({ x: Date.parse(r.deployed_at) / 1000, label: r.version }));
  }

  // Milliseconds as axis labels: "250 ms", "1.5 s".
  function msLabel(v) {
    return v >= 1000 ? +(v / 1000).toFixed(2) + " s" : +v.toFixed(2) + " ms";
  }

  function axes(label) {
    return [
      { stroke: css("--muted"), grid: { stroke: css("--line") } },
      {
        stroke: css("--muted"),
        grid: { stroke: css("--line") },
        values: (u, v) => v.map((x) => (x == null ? "" : label(x))),
        // Wide enough for the longest label, so none is clipped.
        size: (u, values) =>
          values ? 24 + 7 * Math.max(0, ...values.map((x) => String(x).length)) : 50,
      },
    ];
  }

  // One uPlot per chart element: a redraw (refresh) replaces the previous plot and its observer.
  const plots = new WeakMap();

  function mount(el, opts, data, points, releases) {
    const previous = plots.get(el);
    if (previous) {
      previous.observer.disconnect();
      previous.plot.destroy();
    }
    el.replaceChildren();
    const plot = new uPlot(opts, data, el);
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: HEIGHT }),
    );
    observer.observe(el);
    plots.set(el, { plot, observer });
    el.dataset.points = String(points);
    el.dataset.releases = String(releases);
    if (points === 0) {
      const empty = document.createElement("p");
      empty.className = "muted chart-empty";
      empty.textContent = "No data in this range.";
      el.appendChild(empty);
    }
  }

  // Response-time JSON of /api/v1/apps/{id}/metrics/response-time: avg, p50, p95, p99 (ms), with
  // release markers.
  function drawResponseTime(el, body) {
    const pts = body.points || [];
    const xs = pts.map((p) => Date.parse(p.t) / 1000);
    const pick = (k) => pts.map((p) => (p.count > 0 ? p[k] : null));
    const data = [xs, pick("avg_ms"), pick("p50_ms"), pick("p95_ms"), pick("p99_ms")];
    const releases = releasesOf(body);
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: true } },
      axes: axes(msLabel),
      series: [
        {},
        { label: "avg", stroke: css("--chart-1"), width: 2 },
        { label: "p50", stroke: css("--chart-2") },
        { label: "p95", stroke: css("--chart-3") },
        { label: "p99", stroke: css("--chart-4") },
      ],
      hooks: { draw: [releaseHook(releases)] },
    };
    mount(el, opts, data, pts.filter((p) => p.count > 0).length, releases.length);
  }

  // Throughput from the same JSON: requests per minute of each point, counting only the part of
  // the window a point covers (the first and last points may be partial).
  function drawThroughput(el, body) {
    const pts = body.points || [];
    const step = INTERVAL_SECONDS[body.interval] || 60;
    const from = Date.parse(body.from) / 1000;
    const to = Date.parse(body.to) / 1000;
    const xs = pts.map((p) => Date.parse(p.t) / 1000);
    const rpm = pts.map((p, i) => {
      const covered = Math.min(xs[i] + step, to) - Math.max(xs[i], from);
      return covered > 0 ? (p.count * 60) / covered : null;
    });
    const releases = releasesOf(body);
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: true } },
      axes: axes((x) => +x.toFixed(1) + "/min"),
      series: [
        {},
        {
          label: "requests/min",
          stroke: css("--chart-1"),
          fill: css("--chart-fill") || undefined,
          width: 2,
          value: (u, v) => (v == null ? "–" : v.toFixed(v < 100 ? 1 : 0)),
        },
      ],
      hooks: { draw: [releaseHook(releases)] },
    };
    mount(el, opts, [xs, rpm], pts.filter((p) => p.count > 0).length, releases.length);
  }

  // Hourly occurrences of an error group (the errors API's detail `hourly`) as bars.
  function drawHourly(el, body) {
    const hours = body.hourly || [];
    const xs = hours.map((h) => Date.parse(h.t) / 1000);
    const counts = hours.map((h) => h.count || null); // no bar for an empty hour
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: HEIGHT,
      // Each bar spans its hour: the scale runs to the end of the last one.
      scales: { x: { time: true, range: (u, min, max) => [min, max + 3600] } },
      axes: axes((x) => String(x)),
      series: [
        {},
        {
          label: "occurrences",
          stroke: css("--chart-4"),
          fill: css("--chart-4"),
          paths: uPlot.paths.bars({ size: [0.8, 40], align: 1 }),
          points: { show: false },
        },
      ],
    };
    mount(el, opts, [xs, counts], counts.filter((c) => c).length, 0);
  }

  // A refresh (htmx swapping in new chart elements) keeps showing the old plot until the new data
  // is drawn, so charts do not blink: a removed chart's plot waits here, by element id.
  const retired = new Map();
  document.addEventListener("htmx:beforeCleanupElement", (e) => {
    const el = e.target;
    const entry = el.classList && el.classList.contains("chart") ? plots.get(el) : null;
    if (!entry) return;
    entry.observer.disconnect();
    plots.delete(el);
    if (el.id) {
      const older = retired.get(el.id);
      if (older) older.plot.destroy();
      retired.set(el.id, entry);
    } else {
      entry.plot.destroy();
    }
  });

  function adoptRetired(el) {
    const entry = el.id && retired.get(el.id);
    if (!entry) return;
    retired.delete(el.id);
    el.replaceChildren(entry.plot.root);
    // mount() destroys it once the new data is drawn.
    plots.set(el, { plot: entry.plot, observer: new ResizeObserver(() => {}) });
  }

  const DRAW = { "response-time": drawResponseTime, throughput: drawThroughput, hourly: drawHourly };

  // <div class="chart" data-kind="response-time|throughput|hourly" data-src="/api/v1/..."> loads
  // and draws itself; charts of one page that share a data-src share one request.
  function loadCharts(root) {
    const requests = new Map();
    const charts = root.matches && root.matches(".chart[data-src]") ? [root] : [];
    root.querySelectorAll(".chart[data-src]").forEach((el) => charts.push(el));
    charts.forEach((el) => {
      adoptRetired(el);
      const src = el.dataset.src;
      if (!requests.has(src)) {
        requests.set(
          src,
          fetch(src, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then((r) =>
            r.ok ? r.json() : Promise.reject(r.status),
          ),
        );
      }
      const draw = DRAW[el.dataset.kind] || drawResponseTime;
      requests
        .get(src)
        .then((body) => draw(el, body))
        .catch(() => {
          const previous = plots.get(el);
          if (previous) {
            previous.observer.disconnect();
            previous.plot.destroy();
            plots.delete(el);
          }
          el.textContent = "The chart could not be loaded.";
        });
    });
  }

  // <table class="sortable" id="...">: header buttons sort rows by the cell's data-value (or its
  // text). The chosen order is remembered by table id and applied again when htmx re-renders it.
  const sortOrder = new Map();

  function sortTable(table, th, dir) {
    const index = Array.from(th.parentNode.children).indexOf(th);
    const numeric = th.dataset.sort === "number";
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
      const x = key(a),
        y = key(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return dir === "ascending" ? c : -c;
    });
    rows.forEach((r) => body.appendChild(r));
  }

  function sortable(root) {
    root.querySelectorAll("table.sortable").forEach((table) => {
      const headers = Array.from(table.querySelectorAll("th[data-sort]"));
      headers.forEach((th, i) => {
        const button = th.querySelector("button.sort");
        if (!button || button.dataset.bound) return;
        button.dataset.bound = "1";
        button.addEventListener("click", () => {
          const dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
          sortTable(table, th, dir);
          if (table.id) sortOrder.set(table.id, { column: i, dir });
        });
      });
      const remembered = table.id && sortOrder.get(table.id);
      if (remembered && headers[remembered.column]) {
        sortTable(table, headers[remembered.column], remembered.dir);
      }
    });
  }

  // Copy buttons: <button data-copy="#id">.
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-copy]");
    if (!b) return;
    const target = document.querySelector(b.dataset.copy);
    if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
  });

  // Selectors that apply at once (the environment selector): <select data-autosubmit> in a GET form,
  // so the choice lands in the URL like any other filter.
  document.addEventListener("change", (e) => {
    const s = e.target.closest("select[data-autosubmit]");
    if (s && s.form) s.form.requestSubmit();
  });

  function init(root) {
    loadCharts(root);
    sortable(root);
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", (e) => init(e.target));
  window.Upbeat = { drawResponseTime, drawThroughput, drawHourly, init };
})();
