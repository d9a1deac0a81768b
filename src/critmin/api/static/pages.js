/* critmin dashboard: country profiles, mineral sheets and the search box.
 *
 * Pages are drawn from GET /api/v1/countries/{id} and GET /api/v1/minerals/{id}/sheet, the
 * objects `critmin country|mineral ID --json` print (critmin.profiles). Hash routes:
 * #country/COD[/row-id] and #mineral/cobalt. Codes stay in tooltips; cells show names.
 * Text from the data is always set with textContent, never parsed as HTML.
 */
"use strict";

(function () {
  const kit = window.critminKit;
  if (!kit) return;
  const { api, el, query, showError, fillSelect, setRows, td, sourceCell, countryNames, mineralNames, num, tonnes, label } = kit;
  const AGG = { XOT: "Other countries", WLD: "World (reported)" };

  const pctv = (x, d) => (x === null || x === undefined ? "n/a" : Number(x).toFixed(d === undefined ? 1 : d) + " %");
  const times = (x) => (x === null || x === undefined ? "n/a" : Number(x).toFixed(2) + "x");
  const money = (x) => (x === null || x === undefined ? "n/a" : kit.usd(x));

  // an edition id in words: "usgs-mcs-2026" -> "USGS MCS 2026" (the id stays in the tooltip)
  const edition = (id) =>
    String(id || "")
      .replace(/^usgs-mcs-(\d{4})$/, "USGS MCS $1")
      .replace(/^iea-gcmo-(\d{4})$/, "IEA GCMO $1");

  const names = { countries: {}, minerals: {} };
  async function loadNames() {
    const [c, m] = await Promise.all([countryNames(), mineralNames()]);
    names.countries = Object.assign({}, c, AGG);
    names.minerals = m;
  }
  const cname = (iso3) => (iso3 ? names.countries[iso3] || iso3 : "");
  const mname = (id) => (id ? names.minerals[id] || label(id) : "");

  // a link to a page, showing a name, with the code as tooltip
  function pageLink(kind, id, text) {
    if (!id || AGG[id]) return el("span", { text: text || cname(id), title: id || "" });
    return el("a", { href: "#" + kind + "/" + encodeURIComponent(id), text, title: id });
  }
  const countryCell = (iso3) => el("td", {}, pageLink("country", iso3, cname(iso3)));
  const mineralCell = (id) => el("td", {}, pageLink("mineral", id, mname(id)));
  const mineralsText = (ids) => (ids || []).map(mname).join(", ");

  function indexOf(block) {
    const index = {};
    (block.sources || []).forEach((s) => (index[s.source_id] = s));
    return index;
  }
  const rowSources = (r) => (r.sources && r.sources.length ? r.sources : r.source_id ? [r.source_id] : []);

  function statusCell(r) {
    return el(
      "td",
      {},
      el("span", { class: "badge " + r.status, text: String(r.status).replace("_", " ") }),
      el("div", { class: "small", text: (r.status_text || "").replace(/_/g, " ") })
    );
  }

  // a control's targets in words: a country's name, "all destinations", "military end users"
  const targets = (ts) =>
    (ts || []).map((t) => (t === "all" ? "all destinations" : /^[A-Z]{3}$/.test(t) ? cname(t) : label(t))).join(", ");

  function controlCell(r) {
    return el(
      "td",
      { class: "wide" },
      el("div", { class: "strong", title: r.control_id, text: mineralsText(r.mineral_ids.slice(0, 4)) + (r.mineral_ids.length > 4 ? " ..." : "") + " (" + label(r.measure) + ")" }),
      el("div", { class: "small", text: r.description || "" })
    );
  }

  // the page on screen: its API path and answer, so a block can name itself for ?block=
  const page = { path: null, res: null };

  // "CSV | Excel" of one block: GET <page>?format=...&block=<its key in the answer>
  function blockDownloads(b) {
    const origin = b.origin || b;
    const key = page.res && Object.keys(page.res).find((k) => page.res[k] === origin);
    if (!key) return null;
    const sep = page.path.includes("?") ? "&" : "?";
    const link = (fmt, text) =>
      el("a", { href: "/api/v1" + page.path + sep + query({ format: fmt, block: key }).slice(1), text, download: "", rel: "nofollow" });
    return el("p", { class: "downloads" }, "Download this table: ", link("csv", "CSV"), " | ", link("xlsx", "Excel"));
  }

  // one block: title, note, table (rows from cells(row)), source line
  function block(container, key, b, heads, cells, opts) {
    const o = opts || {};
    const wrap = el("div", { class: "page-block", id: container.id.replace(/-body$/, "") + "-" + key });
    wrap.append(el("h3", { text: b.title }));
    if (!b.rows.length) {
      wrap.append(el("p", { class: "note nodata", text: b.note || "no data" }));
    } else {
      const index = indexOf(b);
      const head = el("tr", {}, ...heads.map((h) => el("th", { class: h.startsWith("#") ? "num" : null, text: h.replace(/^#/, "") })), el("th", { text: "source" }));
      const rows = (o.rows || b.rows).map((r) => {
        const tr = el("tr", { id: o.rowId ? o.rowId(r) : null }, ...cells(r));
        // a row names its first sources; the block's source line below lists every one
        const ids = rowSources(r);
        const cell = sourceCell(ids.slice(0, 2), index);
        if (ids.length > 2) cell.append(el("span", { class: "small", text: " +" + (ids.length - 2) + " more below", title: ids.slice(2).join(", ") }));
        tr.append(cell);
        return tr;
      });
      const table = el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, ...rows));
      wrap.append(el("div", { class: "table-wrap" }, table));
      const files = blockDownloads(b);
      if (files) wrap.append(files);
      if (b.note) wrap.append(el("p", { class: "hint", text: b.note }));
    }
    const line = el("p", { class: "source verbatim" }, "Sources: "); // publishers as they sign
    (b.sources || []).forEach((s, i) => {
      if (i) line.append("; ");
      line.append(kit.sourceLink(s.source_id, indexOf(b)));
    });
    if (!(b.sources || []).length) line.append("none");
    wrap.append(line);
    container.append(wrap);
    return wrap;
  }

  const ledgerCells = (who) => (r) => [
    td(r.date, "nw"),
    countryCell(r[who]),
    el("td", { class: "verbatim", text: r.recipient || "", title: r.id }), // a name as recorded
    td(label(r.instrument)),
    td(money(r.amount_usd), "num"),
    td(label(r.status)),
    td(r.counted ? "yes" : "no"),
  ];
  const LEDGER_HEADS = (who) => ["date", who, "recipient", "instrument", "#amount (USD)", "status", "in total"];

  function jumpTo(rowId) {
    if (!rowId) return;
    const row = document.getElementById(rowId);
    if (!row) return;
    document.querySelectorAll("tr.hit").forEach((t) => t.classList.remove("hit"));
    row.classList.add("hit");
    row.scrollIntoView({ block: "center" });
  }

  // -- view: country profile ---------------------------------------------------------------------

  const country = {
    ready: null,
    token: 0,
    init() {
      this.ready = (async () => {
        await loadNames();
        const rows = await kit.once("countries", "/countries");
        const opts = rows
          .filter((r) => r.kind !== "aggregate" && !AGG[r.iso3])
          .map((r) => [r.iso3, r.label || r.name])
          .sort((a, b) => a[1].localeCompare(b[1]));
        fillSelect(document.getElementById("cp-country"), opts);
        document.getElementById("cp-form").addEventListener("change", () => {
          const id = document.getElementById("cp-country").value;
          const target = "#country/" + encodeURIComponent(id);
          if (location.hash === target) this.load(id); // the date changed: same route
          else location.hash = target;
        });
      })();
      return this.ready;
    },
    async enter(args) {
      await this.ready;
      const id = args[0] || document.getElementById("cp-country").value || "COD";
      document.getElementById("cp-country").value = id.toUpperCase();
      await this.load(id, args[1]);
    },
    async load(id, rowId) {
      const token = ++this.token;
      const out = document.getElementById("cp-body");
      showError("cp-error", null);
      document.getElementById("cp-status").textContent = "loading " + (cname(id) || id) + " ...";
      let res, path;
      try {
        path = "/countries/" + encodeURIComponent(id) + query({ as_of: document.getElementById("cp-date").value });
        res = await api(path);
      } catch (err) {
        if (token === this.token) {
          showError("cp-error", err);
          document.getElementById("cp-status").textContent = "";
        }
        return;
      }
      if (token !== this.token) return;
      Object.assign(page, { path, res });
      document.getElementById("cp-country").value = res.iso3;
      document.getElementById("cp-title").textContent = res.name;
      document.getElementById("cp-status").textContent = "Status of controls and ownership on " + res.as_of + ".";
      out.replaceChildren();
      out.dataset.iso3 = res.iso3;
      block(out, "production", res.production, ["mineral", "stage", "#year", "#tonnes", "#share of world", "#rank"], (r) => [
        mineralCell(r.mineral),
        td(r.stage === "mine" ? "mine" : "refined"),
        td(String(r.year), "num"),
        td(r.value_t === null ? "withheld" : tonnes(r.value_t), "num"),
        td(pctv(r.share_pct), "num"),
        td(r.rank === null ? "n/a" : r.rank + " of " + r.ranked, "num"),
      ]);
      block(out, "ownership", res.ownership, ["mineral", "#year", "owner nationality", "#share of output", "stakes on"], (r) => [
        mineralCell(r.mineral),
        td(String(r.year), "num"),
        r.owner_iso3 ? countryCell(r.owner_iso3) : td("unattributed", "muted"),
        td(pctv(r.share_pct), "num"),
        td(r.stakes_on, "nw"),
      ]);
      const ctlId = (r) => "row-ctl-" + r.control_id;
      block(out, "imposed", res.controls_imposed, ["control and what it does", "target", "from", "status"], (r) => [
        controlCell(r),
        td(targets(r.target)),
        td(r.effective || r.announced || "not recorded", "nw"),
        statusCell(r),
      ], { rowId: ctlId });
      block(out, "faced", res.controls_faced, ["control and what it does", "imposed by", "target", "status"], (r) => [
        controlCell(r),
        countryCell(r.imposing_iso3),
        td(targets(r.target)),
        statusCell(r),
      ], { rowId: ctlId });
      const ledId = (r) => "row-led-" + r.id;
      block(out, "received", res.commitments_received, LEDGER_HEADS("from"), ledgerCells("actor_iso3"), { rowId: ledId });
      block(out, "made", res.commitments_made, LEDGER_HEADS("host"), ledgerCells("host_iso3"), { rowId: ledId });
      jumpTo(rowId);
    },
  };

  // -- view: mineral sheet -----------------------------------------------------------------------

  // a by-country series as a table: one row per country, one column per year (edition below)
  function pivot(container, key, b, valueKey, stage) {
    const rows = b.rows.filter((r) => !stage || r.stage === stage);
    const years = [...new Set(rows.map((r) => r.year))].sort();
    const editions = {};
    rows.forEach((r) => (editions[r.year] = r.edition));
    const by = {};
    rows.forEach((r) => {
      by[r.iso3] = by[r.iso3] || { iso3: r.iso3, values: {}, sources: new Set() };
      by[r.iso3].values[r.year] = r;
      if (r.source_id) by[r.iso3].sources.add(r.source_id);
    });
    const last = years[years.length - 1];
    const order = Object.values(by).sort((a, c) => {
      const w = (a.iso3 === "WLD") - (c.iso3 === "WLD");
      if (w) return w;
      const av = (a.values[last] || {})[valueKey] || 0;
      const cv = (c.values[last] || {})[valueKey] || 0;
      return cv - av || a.iso3.localeCompare(c.iso3);
    });
    const title = b.title + (stage ? (stage === "mine" ? ": mine production" : ": refined production") : "");
    const fake = Object.assign({}, b, { origin: b, title, rows: order.map((o) => ({ iso3: o.iso3, values: o.values, sources: [...o.sources] })) });
    const heads = ["country", ...years.map((y) => "#" + y)];
    const wrap = block(container, key + (stage ? "-" + stage : ""), fake, heads, (r) => [
      countryCell(r.iso3),
      ...years.map((y) => {
        const v = r.values[y];
        if (!v) return td("", "num");
        const value = v[valueKey];
        return td(value === null ? (v.flag === "W" ? "W" : "n/a") : tonnes(value), "num");
      }),
    ]);
    // the edition of each year under its header
    const ths = wrap.querySelectorAll("thead th");
    years.forEach((y, i) => ths[i + 1].append(el("div", { class: "small", text: edition(editions[y]), title: editions[y] || "" })));
  }

  // the five largest producers of one stage over the years, tonnes (names in the legend)
  function trendChart(container, res, stage) {
    const rows = res.production.rows.filter((r) => r.stage === stage && !AGG[r.iso3] && r.value_t !== null);
    const years = [...new Set(rows.map((r) => r.year))].sort();
    const last = years[years.length - 1];
    const top = rows
      .filter((r) => r.year === last)
      .sort((a, b) => b.value_t - a.value_t)
      .slice(0, 5)
      .map((r) => r.iso3);
    const div = el("div", { class: "chart", id: "ms-chart" });
    container.append(div);
    const what = stage === "mine" ? "mine production" : "refined production";
    const traces = top.map((iso3) => {
      const series = rows.filter((r) => r.iso3 === iso3).sort((a, b) => a.year - b.year);
      return {
        type: "scatter",
        mode: "lines+markers",
        name: cname(iso3),
        x: series.map((r) => r.year),
        y: series.map((r) => r.value_t),
        customdata: series.map((r) => edition(r.edition)),
        hovertemplate: cname(iso3) + " (" + iso3 + "), %{x}: %{y:,} t (%{customdata})<extra></extra>",
      };
    });
    // fitted to the chart's width as the other views are (fit.js: wrapped titles, narrow variant)
    critminFit.plot(
      div,
      traces,
      {
        title: { text: mname(res.mineral) + " " + what + ", t", x: 0.01, font: { size: 14 } },
        font: { family: "Helvetica, Arial, sans-serif", size: 12, color: "#222" },
        margin: { l: 70, r: 20, t: 50, b: 50 },
        height: 360,
        xaxis: { title: { text: "year (each from its latest edition)" }, dtick: 1, gridcolor: "#eee" },
        yaxis: { title: { text: "tonnes" }, gridcolor: "#eee", rangemode: "tozero" },
        legend: { orientation: "h", y: -0.25 },
        paper_bgcolor: "white",
        plot_bgcolor: "white",
      },
      { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] }
    );
  }

  const mineral = {
    ready: null,
    token: 0,
    init() {
      this.ready = (async () => {
        await loadNames();
        const rows = await kit.once("minerals", "/minerals");
        const opts = rows.map((r) => [r.mineral_id, r.name]).sort((a, b) => a[1].localeCompare(b[1]));
        fillSelect(document.getElementById("ms-mineral"), opts);
        document.getElementById("ms-form").addEventListener("change", () => {
          location.hash = "#mineral/" + encodeURIComponent(document.getElementById("ms-mineral").value);
        });
      })();
      return this.ready;
    },
    async enter(args) {
      await this.ready;
      const id = args[0] || document.getElementById("ms-mineral").value || "cobalt";
      await this.load(id);
    },
    async load(id) {
      const token = ++this.token;
      const out = document.getElementById("ms-body");
      showError("ms-error", null);
      document.getElementById("ms-status").textContent = "loading " + mname(id) + " ...";
      let res, path;
      try {
        path = "/minerals/" + encodeURIComponent(id) + "/sheet";
        res = await api(path);
      } catch (err) {
        if (token === this.token) {
          showError("ms-error", err);
          document.getElementById("ms-status").textContent = "";
        }
        return;
      }
      if (token !== this.token) return;
      Object.assign(page, { path, res });
      document.getElementById("ms-mineral").value = res.mineral;
      document.getElementById("ms-title").textContent = res.name + (res.symbol ? " (" + res.symbol + ")" : "");
      document.getElementById("ms-status").textContent =
        (res.reported_as ? "Figures of the group " + mname(res.reported_as) + ". " : "") + "Control status on " + res.as_of + ".";
      out.replaceChildren();
      out.dataset.mineral = res.mineral;
      const stages = [...new Set(res.production.rows.map((r) => r.stage))];
      if (stages.length) trendChart(out, res, stages[0]);
      if (!stages.length) block(out, "production", res.production, [], () => []);
      stages.forEach((s) => pivot(out, "production", res.production, "value_t", s));
      block(out, "hhi", res.hhi, ["stage", "#year", "#HHI", "band", "#top-3", "#China", "leader"], (r) => [
        td(r.stage === "mine" ? "mine" : "refined"),
        td(String(r.year), "num"),
        td(r.hhi === null ? "no figure" : num(r.hhi), "num"),
        td(r.hhi_band || r.reason || ""),
        td(pctv(r.top3_pct), "num"),
        td(pctv(r.china_pct), "num"),
        r.leader ? countryCell(r.leader) : td(""),
      ]);
      block(out, "prices", res.prices, ["product", "period", "#price", "unit"], (r) => [
        td(r.product + (r.market ? ", " + r.market : "")),
        td(r.period, "nw"),
        td(r.price === null ? "n/a" : num(r.price, 2), "num"),
        td(r.currency + "/" + r.unit),
      ]);
      if (res.reserves.rows.length) pivot(out, "reserves", res.reserves, "value", null);
      else block(out, "reserves", res.reserves, [], () => []);
      block(out, "reliance", res.us_reliance, ["#year", "#net import reliance", "#imports (t)", "#apparent consumption (t)", "edition"], (r) => [
        td(String(r.year), "num"),
        td(r.nir_flag === "E" ? "net exporter" : (r.nir_flag && r.nir_flag !== "E" ? r.nir_flag : "") + pctv(r.net_import_reliance_pct, 0), "num"),
        td(tonnes(r.imports), "num"),
        td(tonnes(r.apparent_consumption), "num"),
        el("td", { class: "nw", text: edition(r.edition), title: r.edition }),
      ]);
      block(out, "imports", res.import_sources, ["source country", "#share of US imports", "product", "period"], (r) => [
        countryCell(r.iso3),
        td(pctv(r.share_pct, 0), "num"),
        td(r.product || ""),
        td(r.period || "", "nw"),
      ]);
      block(out, "controls", res.controls, ["control and what it does", "imposed by", "from", "status"], (r) => [
        controlCell(r),
        countryCell(r.imposing_iso3),
        td(r.effective || r.announced || "not recorded", "nw"),
        statusCell(r),
      ], { rowId: (r) => "row-ctl-" + r.control_id });
      block(out, "ledger", res.ledger, LEDGER_HEADS("actor"), ledgerCells("actor_iso3"), { rowId: (r) => "row-led-" + r.id });
      block(out, "forecasts", res.forecasts, ["scenario", "mineral", "#US shortfall (p50)", "#price x, 12 months (p50)", "#90 % range"], (r) => [
        el("td", { class: "wide", text: r.title, title: r.scenario }),
        mineralCell(r.mineral),
        td(pctv(r.shortfall_p50_pct), "num"),
        td(times(r.price_x_p50), "num"),
        td(r.price_x_p5 === null ? "n/a" : times(r.price_x_p5) + " - " + times(r.price_x_p95), "num"),
      ]);
      block(out, "backtest", res.backtest, ["case", "price series", "window", "#observed x", "#leave-one-out x", "#error |ln|"], (r) => [
        el("td", { text: mname(r.mineral) + " " + r.case.split("-")[0].replace(/^e/, ""), title: r.case }),
        td(r.market),
        td(r.window, "nw"),
        td(times(r.observed_x), "num"),
        td(times(r.loo_x) + " (" + times(r.loo_p5_x) + " - " + times(r.loo_p95_x) + ")", "num"),
        td(r.abs_log_error === null ? "n/a" : num(r.abs_log_error, 2), "num"),
      ]);
    },
  };

  kit.views.country = country;
  kit.views.mineral = mineral;

  // -- search box: minerals, countries, controls, ledger rows ------------------------------------

  const search = {
    items: null,
    async load() {
      if (!this.items) {
        this.items = (async () => {
          await loadNames();
          const [minerals, countries, controls, rows] = await Promise.all([
            kit.once("minerals", "/minerals"),
            kit.once("countries", "/countries"),
            kit.once("search-controls", "/controls"),
            kit.once("search-ledger", "/ledger"),
          ]);
          const items = [];
          minerals.forEach((m) => items.push({ kind: "mineral", text: m.name, key: [m.mineral_id, m.symbol].join(" "), codes: [m.mineral_id, m.symbol], href: "#mineral/" + encodeURIComponent(m.mineral_id) }));
          countries
            .filter((c) => !AGG[c.iso3])
            .forEach((c) => items.push({ kind: "country", text: c.label || c.name, key: [c.iso3, c.iso2, c.name, ...(c.aliases || [])].join(" "), codes: [c.iso3, c.iso2], href: "#country/" + c.iso3 }));
          controls.forEach((c) =>
            items.push({
              kind: "control",
              text: cname(c.imposing_iso3) + ": " + mineralsText(c.mineral_ids.slice(0, 3)) + " (" + label(c.measure) + ")",
              key: [c.control_id, c.description, ...c.mineral_ids].join(" "),
              codes: [c.control_id],
              href: "#country/" + c.imposing_iso3 + "/row-ctl-" + encodeURIComponent(c.control_id),
            })
          );
          rows.forEach((r) =>
            items.push({
              kind: "ledger row",
              text: cname(r.actor_iso3) + " to " + (r.recipient || cname(r.host_iso3) || "?") + ", " + label(r.instrument),
              key: [r.id, r.recipient, r.agency, ...(r.mineral_ids || [])].join(" "),
              codes: [r.id],
              href: "#country/" + (r.host_iso3 || r.actor_iso3) + "/row-led-" + encodeURIComponent(r.id),
            })
          );
          return items;
        })();
      }
      return this.items;
    },
    async find(text) {
      const q = text.trim().toLowerCase();
      const lower = (xs) => xs.filter((x) => x).map((x) => String(x).toLowerCase());
      const list = document.getElementById("q-results");
      if (q.length < 2) {
        list.hidden = true;
        list.replaceChildren();
        return;
      }
      let items;
      try {
        items = await this.load();
      } catch (err) {
        this.items = null;
        return;
      }
      if (document.getElementById("q").value.trim().toLowerCase() !== q) return;
      const score = (it) => {
        const t = it.text.toLowerCase();
        if (t === q) return 0;
        if (lower(it.codes).includes(q)) return 0.5; // an id or code typed whole: ISO2 "id", "cobalt"
        if (t.startsWith(q)) return 1;
        if (t.includes(q)) return 2;
        return it.key.toLowerCase().includes(q) ? 3 : 9;
      };
      const order = { mineral: 0, country: 1, control: 2, "ledger row": 3 };
      const hits = items
        .map((it) => [score(it), it])
        .filter((p) => p[0] < 9)
        .sort((a, b) => a[0] - b[0] || order[a[1].kind] - order[b[1].kind] || a[1].text.localeCompare(b[1].text))
        .slice(0, 12)
        .map((p) => p[1]);
      list.replaceChildren(
        ...(hits.length
          ? hits.map((it) => el("li", {}, el("a", { href: it.href }, el("span", { class: "kind", text: it.kind }), " ", it.text)))
          : [el("li", { class: "muted", text: "nothing found" })])
      );
      list.hidden = false;
    },
  };

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("q");
    const list = document.getElementById("q-results");
    if (!box) return;
    let t = null;
    box.addEventListener("input", () => {
      clearTimeout(t);
      t = setTimeout(() => search.find(box.value), 150);
    });
    box.addEventListener("focus", () => search.load().catch(() => (search.items = null)));
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        const first = list.querySelector("a");
        if (first) {
          e.preventDefault();
          location.hash = first.getAttribute("href");
          list.hidden = true;
        }
      } else if (e.key === "Escape") list.hidden = true;
    });
    list.addEventListener("click", (e) => {
      if (e.target.closest("a")) list.hidden = true;
    });
    document.addEventListener("click", (e) => {
      if (!e.target.closest(".search")) list.hidden = true;
    });
  });
})();
