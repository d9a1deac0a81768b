/* critmin dashboard: a client of the critmin HTTP API (/api/v1). No build step, no CDN.
 *
 * Every number shown comes from an API response; this file only formats and draws it.
 * Charts use the plotly.js the plotly Python package ships (/static/vendor/plotly.min.js);
 * the world map reads its topojson from /static/topojson/ (plotly would fetch it from a CDN).
 * Text from the data is always set with textContent, never parsed as HTML.
 */
"use strict";

(function () {
  const API = "/api/v1";
  const PLOT_CONFIG = {
    responsive: true,
    displaylogo: false,
    topojsonURL: "/static/topojson/",
    modeBarButtonsToRemove: ["select2d", "lasso2d"],
  };
  const FONT = { family: "Helvetica, Arial, sans-serif", size: 12, color: "#222" };
  const CHINA = "#c0392b";
  const ACCENT = "#2c7fb8";
  const GREY = "#7f8c8d";

  // -- small helpers ---------------------------------------------------------------------------

  const $ = (sel, root) => (root || document).querySelector(sel);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("data-")) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

  function num(x, digits) {
    if (x === null || x === undefined) return "n/a";
    if (digits === 1) return nf1.format(x);
    if (digits === 2) return nf2.format(x);
    return nf0.format(x);
  }

  function tonnes(x) {
    if (x === null || x === undefined) return "n/a";
    if (Math.abs(x) >= 100) return nf0.format(x);
    return nf2.format(x);
  }

  function pct(x, digits) {
    if (x === null || x === undefined) return "n/a";
    return (100 * x).toFixed(digits === undefined ? 1 : digits) + " %";
  }

  function usd(x) {
    if (x === null || x === undefined) return "n/a";
    const a = Math.abs(x);
    if (a >= 1e9) return "$" + (x / 1e9).toFixed(2) + " B";
    if (a >= 1e6) return "$" + (x / 1e6).toFixed(1) + " M";
    if (a >= 1e3) return "$" + (x / 1e3).toFixed(0) + " k";
    return "$" + nf0.format(x);
  }

  const label = (id) => String(id || "").replace(/_/g, " ");

  // country codes inside a sentence from the API ("withheld by the source (W): USA") as names
  const inWords = (text, countries) =>
    String(text || "").replace(/\b[A-Z]{3}\b/g, (c) => (countries && countries[c]) || c);

  // text naming API fields (price_multiplier, market_model): the field names as code
  const withCode = (text) =>
    String(text || "")
      .split(/\b([a-z]+(?:_[a-z0-9]+)+)\b/)
      .map((part, i) => (i % 2 ? el("code", { text: part }) : document.createTextNode(part)));

  // a backtest case id in words: "e2023a-gallium" -> "Gallium, 2023 episode (a)"
  function caseWords(id, names) {
    const m = /^e(\d{4})([a-z]?)-(.+)$/.exec(id);
    if (!m) return label(id);
    return (names[m[3]] || label(m[3])) + ", " + m[1] + " episode" + (m[2] ? " (" + m[2] + ")" : "");
  }

  class ApiError extends Error {
    constructor(detail, field, status) {
      super(detail);
      this.field = field;
      this.status = status;
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: { Accept: "application/json" } }, options || {});
    if (opts.json !== undefined) {
      opts.method = opts.method || "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    let response;
    try {
      response = await fetch(API + path, opts);
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError("cannot reach the critmin server: is `critmin serve` running?", null, 0);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : "HTTP " + response.status;
      throw new ApiError(detail, body ? body.field : null, response.status);
    }
    return body;
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === null || v === undefined || v === "" || v === false) continue;
      if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
      else q.append(k, v);
    }
    const s = q.toString();
    return s ? "?" + s : "";
  }

  function showError(id, err) {
    const box = document.getElementById(id);
    if (!err) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    if (err.name === "AbortError") return;
    box.hidden = false;
    box.textContent = err.field ? err.message + " [" + err.field + "]" : err.message;
  }

  function fillSelect(select, options, keepFirst) {
    const first = keepFirst ? select.querySelector("option") : null;
    select.replaceChildren();
    if (first) select.append(first);
    for (const [value, text] of options) select.append(el("option", { value: value, text: text }));
  }

  function setRows(table, rows) {
    const body = table.tBodies[0];
    body.replaceChildren(...rows);
  }

  function td(text, cls) {
    return el("td", { class: cls || null, text: text === null || text === undefined ? "" : text });
  }

  function layout(title, extra) {
    return Object.assign(
      {
        title: { text: title, x: 0.01, font: { size: 14 } },
        font: FONT,
        margin: { l: 60, r: 20, t: 50, b: 50 },
        paper_bgcolor: "white",
        plot_bgcolor: "white",
      },
      extra || {}
    );
  }

  // fitted to the chart's width as the brief does (fit.js: wrapped titles, narrow variants)
  function draw(id, data, lay) {
    return critminFit.plot(id, data, lay, PLOT_CONFIG);
  }

  function card(title, value, sub) {
    return el(
      "div",
      { class: "card" },
      el("div", { class: "card-title", text: title }),
      el("div", { class: "card-value", text: value }),
      sub ? el("div", { class: "card-sub", text: sub }) : null
    );
  }

  function debounce(fn, ms) {
    let t = null;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  // a source id as a link to its URL (publisher, date), or the id when the URL is not http(s)
  function sourceLink(id, sources) {
    const s = sources[id];
    if (!s) return el("span", { text: id });
    const text = s.publisher + (s.published ? ", " + s.published : "");
    if (s.url && /^https?:\/\//i.test(s.url)) {
      return el("a", { href: s.url, text, title: s.title + " [" + id + "]", rel: "noopener noreferrer", target: "_blank" });
    }
    return el("span", { text, title: s.title + " [" + id + "]" });
  }

  function sourceCell(ids, sources) {
    const cell = el("td", { class: "src" });
    (Array.isArray(ids) ? ids : [ids]).filter((x) => x).forEach((id, i) => {
      if (i) cell.append("; ");
      cell.append(sourceLink(id, sources));
    });
    return cell;
  }

  // "CSV" and "Excel" links under a table: the API request that filled it, with ?format=
  // (critmin.api.tables writes the file: the same rows, each with its source)
  function downloads(table, path) {
    const wrap = table.closest(".table-wrap") || table;
    if (wrap.parentElement.classList.contains("grid2")) {
      const cell = el("div", {}); // keep the links in the table's grid cell
      wrap.replaceWith(cell);
      cell.append(wrap);
    }
    let box = wrap.nextElementSibling;
    if (!box || !box.classList.contains("downloads")) {
      box = el("p", { class: "downloads" });
      wrap.after(box);
    }
    const sep = path.includes("?") ? "&" : "?";
    const link = (fmt, text) =>
      el("a", { href: API + path + sep + "format=" + fmt, text, download: "", rel: "nofollow" });
    box.replaceChildren("Download this table: ", link("csv", "CSV"), " | ", link("xlsx", "Excel"));
  }

  // a figure built by the server from the briefing's chart builders (critmin.brief.charts)
  async function drawServed(id, path) {
    const fig = await api(path);
    return draw(id, fig.data, fig.layout);
  }

  // shared look-ups, fetched once
  const cache = {};
  function once(key, path) {
    if (!cache[key]) cache[key] = api(path);
    return cache[key];
  }
  async function countryNames() {
    const rows = await once("countries", "/countries");
    const names = {};
    rows.forEach((r) => (names[r.iso3] = r.label || r.name));
    return names;
  }
  async function agencyNames() {
    const rows = await once("agencies", "/agencies");
    const names = {};
    rows.forEach((r) => (names[r.agency_id] = r.label || r.name));
    return names;
  }
  async function mineralNames() {
    const rows = await once("minerals", "/minerals");
    const names = {};
    rows.forEach((r) => (names[r.mineral_id] = r.name));
    return names;
  }
  async function sourceIndex() {
    const rows = await once("sources", "/sources");
    const index = {};
    rows.forEach((r) => (index[r.source_id] = r));
    return index;
  }

  // -- view: concentration ------------------------------------------------------------------------

  const conc = {
    coverage: null,
    names: null,
    countries: null,
    token: 0,

    async init() {
      const [coverage, names, countries] = await Promise.all([
        once("coverage", "/coverage"),
        mineralNames(),
        countryNames(),
      ]);
      this.coverage = {};
      coverage.forEach((r) => (this.coverage[r.mineral] = r));
      this.names = names;
      this.countries = countries;
      $("#conc-stage").addEventListener("change", () => this.fillMinerals(true));
      $("#conc-mineral").addEventListener("change", () => this.fillYears(true));
      $("#conc-year").addEventListener("change", () => this.load());
      this.fillMinerals(false);
      this.fillYears(false);
      await Promise.all([
        this.load(),
        this.loadAll(),
        drawServed("conc-hhi", "/charts/hhi").catch((err) => showError("conc-error", err)),
      ]);
    },

    stage() {
      return $("#conc-stage").value;
    },

    fillMinerals(reload) {
      const stage = this.stage();
      const select = $("#conc-mineral");
      const current = select.value || "rare_earths";
      const options = Object.values(this.coverage)
        .filter((r) => r[stage + "_years"].length > 0)
        .map((r) => {
          const name = this.names[r.mineral] || label(r.mineral);
          const via = r.production_from_group ? " (" + label(r.reported_as) + " figures)" : "";
          return [r.mineral, name + via];
        })
        .sort((a, b) => a[1].localeCompare(b[1]));
      fillSelect(select, options);
      select.value = options.some((o) => o[0] === current) ? current : options[0][0];
      if (reload) {
        this.fillYears(false);
        this.load();
        this.loadAll();
      }
    },

    fillYears(reload) {
      const row = this.coverage[$("#conc-mineral").value];
      const years = row ? row[this.stage() + "_years"].slice().reverse() : [];
      const options = [["", years.length ? "latest (" + years[0] + ")" : "latest"]];
      years.forEach((y) => options.push([String(y), String(y)]));
      fillSelect($("#conc-year"), options);
      if (reload) this.load();
    },

    async load() {
      const mineral = $("#conc-mineral").value;
      const stage = this.stage();
      const year = $("#conc-year").value;
      const token = ++this.token;
      showError("conc-error", null);
      const path = "/concentration/" + encodeURIComponent(mineral) + query({ stage, year });
      let res;
      try {
        res = await api(path);
      } catch (err) {
        if (token === this.token) showError("conc-error", err);
        return;
      }
      if (token !== this.token) return;
      const sources = await sourceIndex();
      this.render(res, sources);
      downloads($("#conc-table"), path);
    },

    render(res, sources) {
      const name = this.names[res.mineral] || label(res.mineral);
      const what = res.stage === "mine" ? "mine production" : "refined production";
      const note = $("#conc-note");
      if (res.reason) {
        note.hidden = false;
        note.textContent = name + ": " + inWords(res.reason, this.countries) + ".";
      } else {
        note.hidden = true;
      }
      const leader = res.leader ? this.countries[res.leader] || res.leader : "n/a";
      $("#conc-cards").replaceChildren(
        card(
          "HHI (0-10 000)",
          res.hhi === null ? "no data" : num(res.hhi),
          res.hhi === null ? "no figure stated" : res.hhi_band + " concentration"
        ),
        card("top-3 countries", pct(res.top3_share), "of world " + what),
        card("China", pct(res.china_share), "share of world " + what),
        card("leader", leader, pct(res.leader_share)),
        card(
          "world total, " + res.year,
          res.world_total === null ? "no data" : tonnes(res.world_total) + " t",
          (res.denominator || "no denominator") + (res.product ? ", " + res.product : "")
        )
      );
      drawServed(
        "conc-map",
        "/charts/share-map/" + encodeURIComponent(res.mineral) + query({ stage: res.stage, year: res.year })
      ).catch((err) => showError("conc-error", err));
      // countries ranked; "Other countries" (XOT) and "World" are aggregates: unranked, last
      const agg = (s) => s.iso3 === "XOT" || s.iso3 === "WLD";
      const ranked = res.shares.filter((s) => !agg(s)).concat(res.shares.filter(agg));
      setRows(
        $("#conc-table"),
        ranked.map((s, i) =>
          el(
            "tr",
            { class: agg(s) ? "aggregate" : null },
            td(agg(s) ? "" : String(i + 1)),
            el("td", { text: this.countries[s.iso3] || s.iso3, title: s.iso3 }),
            td(tonnes(s.value), "num"),
            td(pct(s.share), "num")
          )
        )
      );
      const withheld =
        (res.withheld.length
          ? " Withheld by the source (W; missing, not zero): " +
            res.withheld.map((c) => this.countries[c] || c).join(", ") + "."
          : "") +
        (res.no_data.length
          ? " No data (not zero): " + res.no_data.map((c) => this.countries[c] || c).join(", ") + "."
          : "");
      const line = $("#conc-source");
      line.replaceChildren("Source: ");
      res.sources.forEach((id, i) => {
        if (i) line.append("; ");
        line.append(sourceLink(id, sources));
      });
      line.append("." + withheld);
    },

    async loadAll() {
      const stage = this.stage();
      const what = stage === "mine" ? "mine production" : "refined production";
      const table = $("#conc-all");
      table.dataset.stage = "";
      $("#conc-all-title").textContent = "All minerals, " + what + ", most concentrated first";
      setRows(table, [el("tr", {}, el("td", { colSpan: 7, class: "muted", text: "loading..." }))]);
      let rows;
      try {
        rows = await api("/concentration" + query({ stage }));
      } catch (err) {
        showError("conc-error", err);
        return;
      }
      if (stage !== this.stage()) return;
      const body = rows.map((r) => {
        const tr = el(
          "tr",
          { "data-mineral": r.mineral, tabIndex: 0 },
          td(this.names[r.mineral] || label(r.mineral)),
          td(String(r.year), "num"),
          td(r.hhi === null ? "no data" : num(r.hhi), "num"),
          td(r.hhi_band || inWords(r.reason, this.countries)),
          td(pct(r.top3_share), "num"),
          td(pct(r.china_share), "num"),
          el("td", { text: r.leader ? this.countries[r.leader] || r.leader : "", title: r.leader || "" })
        );
        const pick = () => {
          $("#conc-mineral").value = r.mineral;
          this.fillYears(true);
          $("#conc-map").scrollIntoView({ behavior: "smooth", block: "center" });
        };
        tr.addEventListener("click", pick);
        tr.addEventListener("keydown", (e) => {
          if (e.key === "Enter") pick();
        });
        return tr;
      });
      setRows(table, body);
      downloads(table, "/concentration" + query({ stage }));
      table.dataset.stage = stage;
    },
  };

  // -- view: export controls ----------------------------------------------------------------------

  const controls = {
    countries: null,
    names: null,

    async init() {
      const [all, countries, names, sources] = await Promise.all([
        api("/controls"),
        countryNames(),
        mineralNames(),
        sourceIndex(),
      ]);
      this.countries = countries;
      this.names = names;
      this.sources = sources;
      const imposing = [...new Set(all.map((r) => r.imposing_iso3))].sort();
      fillSelect($("#ctl-country"), imposing.map((c) => [c, countries[c] || c]), true);
      const minerals = [...new Set(all.flatMap((r) => r.mineral_ids))].sort();
      fillSelect($("#ctl-mineral"), minerals.map((m) => [m, names[m] || label(m)]), true);
      const form = $("#ctl-form");
      form.addEventListener("change", () => this.load());
      $("#ctl-clear").addEventListener("click", () => {
        form.reset();
        this.load();
      });
      this.render(all);
      downloads($("#ctl-table"), "/controls");
    },

    async load() {
      showError("ctl-error", null);
      const params = {
        country: $("#ctl-country").value,
        mineral: $("#ctl-mineral").value,
        on: $("#ctl-date").value,
      };
      try {
        this.render(await api("/controls" + query(params)));
        downloads($("#ctl-table"), "/controls" + query(params));
      } catch (err) {
        showError("ctl-error", err);
      }
    },

    render(rows) {
      const sources = this.sources;
      const dated = rows.filter((r) => r.effective || r.announced);
      const today = rows.length ? rows[0].status_on : new Date().toISOString().slice(0, 10);
      const undated = rows.length - dated.length;
      $("#ctl-summary").textContent =
        rows.length + " controls, status on " + today +
        (undated ? " (" + undated + " without a recorded start date: listed, not drawn)" : "");
      drawServed(
        "ctl-timeline",
        "/charts/controls-timeline" +
          query({ country: $("#ctl-country").value, mineral: $("#ctl-mineral").value, on: $("#ctl-date").value })
      ).catch((err) => showError("ctl-error", err));
      setRows(
        $("#ctl-table"),
        rows.map((r) =>
          el(
            "tr",
            {},
            el(
              "td",
              { class: "wide" },
              el("div", {
                class: "strong",
                title: r.control_id,
                text:
                  (this.countries[r.imposing_iso3] || r.imposing_iso3) + ": " +
                  r.mineral_ids.slice(0, 4).map((m) => this.names[m] || label(m)).join(", ") +
                  (r.mineral_ids.length > 4 ? " ..." : "") + " (" + label(r.measure) + ")",
              }),
              el("div", { class: "small", text: r.description })
            ),
            el("td", { text: this.countries[r.imposing_iso3] || r.imposing_iso3, title: r.imposing_iso3 }),
            td(r.mineral_ids.map((m) => this.names[m] || label(m)).join(", ")),
            td(label(r.measure)),
            el("td", { text: r.target.map((t) => this.countries[t] || label(t)).join(", "), title: r.target.join(", ") }),
            td(r.effective || r.announced || "not recorded", "nw"),
            el(
              "td",
              {},
              el("span", { class: "badge " + r.status, text: r.status.replace("_", " ") }),
              el("div", { class: "small status-text", text: r.status_text })
            ),
            td(r.lifted || "", "nw"),
            sourceCell(r.sources && r.sources.length ? r.sources : [r.source_id], sources)
          )
        )
      );
    },
  };

  // -- view: ledger ----------------------------------------------------------------------------------

  const ledger = {
    async init() {
      const [all, countries, names, sources, agencies] = await Promise.all([
        api("/ledger?history=true"),
        countryNames(),
        mineralNames(),
        sourceIndex(),
        agencyNames(),
      ]);
      this.countries = countries;
      this.agencies = agencies;
      this.names = names;
      this.sources = sources;
      const form = $("#led-form");
      const distinct = (f) => [...new Set(all.flatMap(f).filter((v) => v))].sort();
      const opts = (values, name) => values.map((v) => [v, name ? name(v) : label(v)]);
      const countryName = (c) => countries[c] || c;
      fillSelect(form.elements.actor, opts(distinct((r) => [r.actor_iso3]), countryName), true);
      fillSelect(form.elements.agency, opts(distinct((r) => [r.agency]), (g) => agencies[g] || g), true);
      fillSelect(form.elements.instrument, opts(distinct((r) => [r.instrument])), true);
      fillSelect(
        form.elements.mineral,
        opts(distinct((r) => r.mineral_ids), (m) => names[m] || label(m)),
        true
      );
      fillSelect(form.elements.host, opts(distinct((r) => [r.host_iso3]), countryName), true);
      fillSelect(form.elements.status, opts(distinct((r) => [r.status])), true);
      fillSelect(form.elements.verification, opts(distinct((r) => [r.verification])), true);
      form.addEventListener("change", () => this.load());
      $("#led-by").addEventListener("change", () => this.loadSummary());
      $("#led-clear").addEventListener("click", () => {
        form.reset();
        this.load();
        this.loadReconcile();
      });
      form.elements.unverified.addEventListener("change", () => this.loadReconcile());
      await Promise.all([this.load(), this.loadReconcile()]);
    },

    params() {
      const f = $("#led-form").elements;
      return {
        actor: f.actor.value,
        agency: f.agency.value,
        instrument: f.instrument.value,
        mineral: f.mineral.value,
        host: f.host.value,
        status: f.status.value,
        verification: f.verification.value,
        since: f.since.value,
        history: f.history.checked ? "true" : "",
      };
    },

    async load() {
      showError("led-error", null);
      $("#led-history").hidden = true;
      const path = "/ledger" + query(this.params());
      let rows;
      try {
        rows = await api(path);
      } catch (err) {
        showError("led-error", err);
        return;
      }
      downloads($("#led-table"), path);
      $("#led-count").textContent =
        rows.length + " rows" +
        (this.params().history ? " (with superseded rows)" : " (latest of each correction chain)") +
        "; letters of interest in amber. Select a row for its correction history.";
      setRows(
        $("#led-table"),
        rows.map((r) => {
          const tr = el(
            "tr",
            { tabIndex: 0, class: r.status === "letter_of_interest" ? "loi" : null },
            td(r.id, "nw"),
            td(r.date, "nw"),
            td(this.countries[r.actor_iso3] || r.actor_iso3),
            el("td", { text: this.agencies[r.agency] || r.agency, title: r.agency }),
            td(label(r.instrument)),
            td(r.amount_usd === null ? "not stated" : usd(r.amount_usd), "num"),
            td(r.recipient, "wide verbatim"),
            td(r.host_iso3 ? this.countries[r.host_iso3] || r.host_iso3 : ""),
            td(r.mineral_ids.map((m) => this.names[m] || label(m)).join(", ")),
            td(label(r.status)),
            sourceCell([r.source_id], this.sources),
            td(r.verification)
          );
          const open = () => this.showHistory(r.id);
          tr.addEventListener("click", open);
          tr.addEventListener("keydown", (e) => {
            if (e.key === "Enter") open();
          });
          return tr;
        })
      );
      await this.loadSummary();
    },

    async loadSummary() {
      const p = this.params();
      const by = $("#led-by").value;
      let res;
      try {
        res = await api(
          "/ledger/summary" +
            query({
              by,
              since: p.since,
              status: p.status,
              include_unverified: this.unverified(),
            })
        );
      } catch (err) {
        showError("led-error", err);
        return;
      }
      drawServed(
        "led-chart",
        "/charts/ledger-summary" +
          query({ by, since: p.since, status: p.status, include_unverified: this.unverified() })
      ).catch((err) => showError("led-error", err));
      const loi = res.letters_of_interest;
      $("#led-loi").textContent =
        "Total " + usd(res.total_usd) + " over statuses " + res.status.join(", ") +
        ". Letters of interest: " + usd(loi.amount_usd) + " in " + loi.count + " rows, " +
        (loi.included ? "included." : "reported apart, not added.") +
        " " + this.leftOut(res.unverified);
    },

    unverified() {
      return $("#led-form").elements.unverified.checked ? "true" : "";
    },

    leftOut(u) {
      if (u.included) return "Rows with an unverified source are included.";
      if (!u.count) return "No row with an unverified source is left out.";
      const parts = u.by_actor.map(
        (a) => (this.countries[a.actor] || a.actor) + " " + a.count + " (" + usd(a.amount_usd) + ")"
      );
      return (
        "Left out: " + u.count + " rows with an unverified source, " + usd(u.amount_usd) +
        " (" + parts.join(", ") + ")."
      );
    },

    async loadReconcile() {
      const path = "/ledger/reconcile" + query({ include_unverified: this.unverified() });
      let rows;
      try {
        rows = await api(path);
      } catch (err) {
        showError("led-error", err);
        return;
      }
      downloads($("#led-reconcile"), path);
      setRows(
        $("#led-reconcile"),
        rows.map((r) =>
          el(
            "tr",
            {},
            td(r.text, "wide"),
            td(r.expected_usd === null ? "no USD figure" : usd(r.expected_usd), "num"),
            td(usd(r.ledger_usd), "num"),
            el("td", {}, el("span", { class: "badge " + r.status.replace(/ /g, "-"), text: r.status })),
            td(r.missing.join("; "), "wide"),
            sourceCell([r.source_id], this.sources || {})
          )
        )
      );
    },

    async showHistory(id) {
      const panel = $("#led-history");
      let rows;
      try {
        rows = await api("/ledger/" + encodeURIComponent(id) + "/history");
      } catch (err) {
        showError("led-error", err);
        return;
      }
      const list = el("ol", {});
      rows.forEach((r) =>
        list.append(
          el(
            "li",
            {},
            el("strong", { text: r.id }),
            " recorded " + r.recorded_at + ": " + label(r.status) + ", " +
              (r.amount_usd === null ? "no amount" : usd(r.amount_usd)) +
              (r.supersedes ? " (supersedes " + r.supersedes + ")" : "") +
              ". Source: " + ((this.sources || {})[r.source_id] ? this.sources[r.source_id].publisher + " [" + r.source_id + "]" : r.source_id) +
              (r.note ? ". " + r.note : "")
          )
        )
      );
      panel.replaceChildren(
        el("h3", { text: "Correction history of " + id + " (oldest first)" }),
        list
      );
      panel.hidden = false;
      panel.scrollIntoView({ behavior: "smooth", block: "nearest" });
    },
  };

  // -- view: price floor ------------------------------------------------------------------------------

  const SLIDERS = [
    { key: "floor", part: "contract", label: "Floor price", unit: "USD/kg", min: 5, max: 400, step: 1 },
    { key: "spot", part: "model", label: "Starting market price", unit: "USD/kg", min: 5, max: 400, step: 1 },
    { key: "sigma", part: "model", label: "Volatility (a year)", unit: "", min: 0.01, max: 1.5, step: 0.01 },
    { key: "mu", part: "model", kind: "gbm", label: "Drift (a year)", unit: "", min: -0.3, max: 0.3, step: 0.005 },
    { key: "kappa", part: "model", kind: "ou", label: "Mean reversion speed (a year)", unit: "", min: 0.01, max: 3, step: 0.01 },
    { key: "theta_level", part: "model", kind: "ou", label: "Long-run price level", unit: "USD/kg", min: 5, max: 400, step: 1 },
    { key: "term_years", part: "contract", label: "Term", unit: "years", min: 1, max: 20, step: 1 },
    { key: "volume", part: "contract", label: "Volume covered", unit: "t a year", min: 0, max: 20000, step: 100 },
    { key: "discount_rate", part: "contract", label: "Discount rate", unit: "a year", min: 0, max: 0.1, step: 0.001 },
  ];

  const floor = {
    presets: {},
    preset: null,
    state: null,
    controller: null,

    async init() {
      const presets = await api("/floor/presets");
      presets.forEach((p) => (this.presets[p.name] = p));
      fillSelect($("#floor-preset"), presets.map((p) => [p.name, p.title]));
      this.buildSliders();
      const run = debounce(() => this.run(), 300);
      this.schedule = run;
      $("#floor-preset").addEventListener("change", () => this.reset());
      $("#floor-reset").addEventListener("click", () => this.reset());
      $("#floor-kind").addEventListener("change", () => this.switchKind());
      $("#floor-paths").addEventListener("change", run);
      $("#floor-seed").addEventListener("change", run);
      this.reset();
    },

    buildSliders() {
      const box = $("#floor-sliders");
      for (const s of SLIDERS) {
        const input = el("input", {
          type: "range",
          id: "floor-" + s.key,
          name: s.key,
          min: s.min,
          max: s.max,
          step: s.step,
        });
        const out = el("output", { id: "floor-" + s.key + "-out", htmlFor: input.id });
        const row = el(
          "div",
          { class: "slider", "data-key": s.key, "data-kind": s.kind || "" },
          el("label", { htmlFor: input.id, text: s.label }),
          input,
          out
        );
        input.addEventListener("input", () => {
          this.set(s.key, Number(input.value));
          this.schedule();
        });
        box.append(row);
      }
      box.append(el("p", { class: "hint", id: "floor-volume-note" }));
    },

    reset() {
      const p = this.presets[$("#floor-preset").value];
      this.preset = p;
      $("#floor-kind").value = p.default_model;
      const model = p.models.find((m) => m.kind === p.default_model);
      this.state = {
        contract: Object.assign({}, p.contract),
        model: Object.assign({}, model),
        schedule: p.contract.volume_tpy.slice(),
        flat: null,
      };
      $("#floor-title").textContent = p.title + ". " + (p.description || "");
      this.sync();
      this.run();
    },

    switchKind() {
      const kind = $("#floor-kind").value;
      const model = this.preset.models.find((m) => m.kind === kind);
      const spot = this.state.model.spot;
      this.state.model = Object.assign({}, model, { spot });
      this.sync();
      this.run();
    },

    set(key, value) {
      const s = SLIDERS.find((x) => x.key === key);
      if (key === "volume") this.state.flat = value;
      else if (s.part === "contract") this.state.contract[key] = value;
      else this.state.model[key] = value;
      this.show();
    },

    volume() {
      const term = Math.ceil(this.state.contract.term_years);
      if (this.state.flat !== null) return [this.state.flat];
      const sch = this.state.schedule;
      if (sch.length === 1) return sch.slice();
      const out = sch.slice(0, term);
      while (out.length < term) out.push(sch[sch.length - 1]);
      return out;
    },

    value(key) {
      if (key === "volume") {
        const v = this.volume();
        return v[v.length - 1];
      }
      const s = SLIDERS.find((x) => x.key === key);
      return s.part === "contract" ? this.state.contract[key] : this.state.model[key];
    },

    sync() {
      for (const s of SLIDERS) {
        const v = this.value(s.key);
        const input = document.getElementById("floor-" + s.key);
        if (v !== null && v !== undefined) input.value = v;
      }
      this.show();
    },

    show() {
      const kind = $("#floor-kind").value;
      for (const s of SLIDERS) {
        const row = $('.slider[data-key="' + s.key + '"]');
        row.hidden = Boolean(s.kind) && s.kind !== kind;
        const v = this.value(s.key);
        let text;
        if (s.key === "discount_rate") text = pct(v, 1) + " a year";
        else if (s.key === "sigma" || s.key === "mu") text = pct(v, 1) + " a year";
        else if (s.key === "kappa") text = num(v, 2) + " a year";
        else text = num(v, 2) + (s.unit ? " " + s.unit : "");
        document.getElementById("floor-" + s.key + "-out").textContent = text;
      }
      const unit = this.state.contract.unit || "kg";
      SLIDERS.filter((s) => s.unit === "USD/kg").forEach((s) => {
        const out = document.getElementById("floor-" + s.key + "-out");
        out.textContent = out.textContent.replace("USD/kg", "USD/" + unit);
      });
      const vol = this.volume();
      $("#floor-volume-note").textContent =
        vol.length > 1
          ? "Volume: the preset's schedule, " + vol.map((v) => num(v)).join(", ") +
            " t in contract years 1-" + vol.length + ". Moving the volume slider sets one flat volume."
          : "Volume: " + num(vol[0]) + " t every year.";
    },

    body() {
      const contract = Object.assign({}, this.state.contract, { volume_tpy: this.volume() });
      const kind = $("#floor-kind").value;
      const m = this.state.model;
      const model = { kind, spot: m.spot, sigma: m.sigma, jumps: m.jumps || null };
      if (kind === "gbm") model.mu = m.mu || 0;
      else Object.assign(model, { kappa: m.kappa, theta_level: m.theta_level });
      return {
        contract,
        price_model: model,
        paths: Number($("#floor-paths").value),
        seed: Number($("#floor-seed").value || 0),
      };
    },

    async run() {
      if (this.controller) this.controller.abort();
      const controller = new AbortController();
      this.controller = controller;
      showError("floor-error", null);
      $("#floor-status").textContent = "simulating...";
      let res;
      try {
        res = await api("/floor", { json: this.body(), signal: controller.signal });
      } catch (err) {
        if (err.name === "AbortError") return;
        $("#floor-status").textContent = "";
        showError("floor-error", err);
        return;
      }
      if (controller !== this.controller) return;
      this.render(res);
    },

    render(res) {
      const c = res.contract;
      $("#floor-status").textContent =
        num(res.paths) + " paths x " + res.steps + " " + c.settlement + " settlements, seed " +
        res.seed + ", " + res.runtime_s.toFixed(2) + " s";
      const closed = res.analytic_expected_cost_usd;
      $("#floor-cards").replaceChildren(
        card(
          "expected cost (nominal)",
          usd(res.expected_cost_usd),
          "+/- " + usd(res.stderr_usd) + " s.e." + (closed !== null ? "; closed form " + usd(closed) : "")
        ),
        card(
          "expected cost (present value)",
          usd(res.pv_cost_usd),
          "discounted at " + pct(c.discount_rate, 1) +
            (res.analytic_pv_cost_usd !== null ? "; closed form " + usd(res.analytic_pv_cost_usd) : "")
        ),
        card("median cost", usd(res.p50_usd), "95th percentile " + usd(res.p95_usd) + ", 99th " + usd(res.p99_usd)),
        card(
          "probability of any payout",
          pct(res.prob_any_payout),
          num(res.expected_payout_years, 1) + " paying years expected"
        )
      );
      const years = res.yearly.map((y) => y.year);
      const data = [
        {
          type: "bar",
          name: "Monte Carlo",
          x: years,
          y: res.yearly.map((y) => y.expected_payout_usd / 1e6),
          marker: { color: ACCENT },
          hovertemplate: "year %{x}: $%{y:,.1f} M<extra>Monte Carlo</extra>",
        },
      ];
      if (res.yearly.some((y) => y.analytic_usd !== null)) {
        data.push({
          type: "scatter",
          mode: "markers",
          name: "closed form",
          x: years,
          y: res.yearly.map((y) => (y.analytic_usd === null ? null : y.analytic_usd / 1e6)),
          marker: { color: CHINA, size: 9, symbol: "diamond" },
          hovertemplate: "year %{x}: $%{y:,.1f} M<extra>closed form</extra>",
        });
      }
      draw(
        "floor-yearly",
        data,
        layout("Expected payout by contract year, USD million", {
          height: 330,
          xaxis: { title: { text: "contract year" }, dtick: 1 },
          yaxis: { title: { text: "USD million" }, gridcolor: "#eee", rangemode: "tozero" },
          legend: { orientation: "h", y: 1.0, x: 1, xanchor: "right", yanchor: "bottom" },
        })
      );
      const edges = res.histogram.edges_usd;
      const mids = res.histogram.counts.map((_, i) => (edges[i] + edges[i + 1]) / 2e6);
      draw(
        "floor-hist",
        [
          {
            type: "bar",
            x: mids,
            y: res.histogram.counts,
            width: mids.length > 1 ? (mids[1] - mids[0]) * 0.95 : undefined,
            marker: { color: GREY },
            hovertemplate: "about $%{x:,.0f} M: %{y} paths<extra></extra>",
          },
        ],
        layout("Total cost over the term: distribution over paths", {
          height: 330,
          xaxis: { title: { text: "nominal cost, USD million" }, rangemode: "tozero" },
          yaxis: { title: { text: "paths" }, gridcolor: "#eee" },
          showlegend: false,
        })
      );
      $("#floor-note").textContent = res.analytic_note
        ? "Closed form: " + res.analytic_note
        : "Monte Carlo - closed form = " + num(res.mc_minus_analytic_in_stderr, 2) +
          " standard errors. Quantiles " + res.quantile_method + ".";
    },
  };

  // -- view: scenarios and stockpile ------------------------------------------------------------

  const scenarios = {
    list: [],

    async init() {
      const [list, names, countries] = await Promise.all([
        api("/scenarios"),
        mineralNames(),
        countryNames(),
      ]);
      // events first (the default), historical replays (calibration runs) after
      list.sort((a, b) => (a.kind === "event" ? 0 : 1) - (b.kind === "event" ? 0 : 1));
      this.list = list;
      this.names = names;
      this.countries = countries;
      fillSelect(
        $("#sc-name"),
        list.map((s) => [s.name, s.title + (s.kind === "event" ? "" : " (historical replay)")])
      );
      $("#sc-name").addEventListener("change", () => this.about());
      $("#sc-form").addEventListener("submit", (e) => {
        e.preventDefault();
        this.run();
      });
      $("#sp-form").addEventListener("submit", (e) => {
        e.preventDefault();
        this.plan();
      });
      this.about();
      await Promise.all([this.run(), this.plan()]);
    },

    about() {
      const s = this.list.find((x) => x.name === $("#sc-name").value);
      if (!s) return;
      $("#sc-about").textContent =
        (this.countries[s.restricting_iso3] || s.restricting_iso3) + " restricts " +
        s.minerals.map((m) => this.names[m] || label(m)).join(", ") + " at the " + s.stage +
        " stage from " + s.start + "; effect on " + (this.countries[s.target] || s.target) +
        (s.kind === "event" ? "." : " (a historical replay, for calibration).");
    },

    async run() {
      const name = $("#sc-name").value;
      const button = $("#sc-run");
      showError("sc-error", null);
      $("#sc-status").textContent = "running...";
      button.disabled = true;
      let res;
      try {
        res = await api("/scenarios/" + encodeURIComponent(name) + "/run", {
          json: { draws: Number($("#sc-draws").value), seed: Number($("#sc-seed").value) },
        });
      } catch (err) {
        $("#sc-status").textContent = "";
        showError("sc-error", err);
        return;
      } finally {
        button.disabled = false;
      }
      $("#sc-status").textContent =
        num(res.draws) + " draws, seed " + res.seed + "; price multiplier capped at " + res.price_cap +
        "x; horizon " + res.horizon_months + " months.";
      const ok = res.minerals.filter((m) => m.computable);
      const nameOf = (m) => this.names[m.mineral] || label(m.mineral);
      draw(
        "sc-chart",
        [
          {
            type: "bar",
            name: "median",
            x: ok.map(nameOf),
            y: ok.map((m) => m.price_multiplier.p50),
            marker: { color: ACCENT },
          },
          {
            type: "bar",
            name: "95th percentile",
            x: ok.map(nameOf),
            y: ok.map((m) => m.price_multiplier.p95),
            marker: { color: CHINA },
          },
        ],
        layout("Old rule: price multiplier P/P0 in the target market", {
          barmode: "group",
          height: 330,
          xaxis: { title: { text: "mineral" }, automargin: true },
          shapes: [
            {
              type: "line",
              xref: "paper",
              x0: 0,
              x1: 1,
              y0: res.price_cap,
              y1: res.price_cap,
              line: { dash: "dot", color: "#555", width: 1 },
            },
          ],
          annotations: [
            {
              xref: "paper",
              x: 0,
              y: res.price_cap,
              xanchor: "left",
              yanchor: "bottom",
              text: "cap " + res.price_cap + "x",
              showarrow: false,
              font: { size: 11, color: "#555" },
            },
          ],
          yaxis: { title: { text: "x pre-disruption price" }, gridcolor: "#eee", rangemode: "tozero" },
          legend: { orientation: "h", y: 1.0, x: 1, xanchor: "right", yanchor: "bottom" },
        })
      );
      setRows(
        $("#sc-table"),
        res.minerals.map((m) =>
          m.computable
            ? el(
                "tr",
                {},
                td(nameOf(m) + (m.reported_as ? " (" + label(m.reported_as) + " figures)" : "")),
                td(tonnes(m.shortfall_t.p50), "num"),
                td(pct(m.shortfall_share.p50), "num"),
                td(num(m.price_multiplier.p50, 2) + " / " + num(m.price_multiplier.p95, 2), "num"),
                td(m.days_cover ? num(m.days_cover.p50) : "no stockpile data", "num")
              )
            : el(
                "tr",
                { class: "muted" },
                td(nameOf(m)),
                el("td", { colSpan: 4, text: "not computable: missing " + (m.missing || []).join(", ") })
              )
        )
      );
      this.market(res, nameOf);
    },

    // the structural market model's forecast with its backtest table next to it
    market(res, nameOf) {
      $("#sc-rule").replaceChildren(...withCode(res.price_rule ? res.price_rule.label : ""));
      const mm = res.market_model;
      if (!mm) return;
      const bt = mm.backtest;
      $("#sc-mm-warning").textContent = [mm.warning || "All backtest targets met.", mm.domestic_price_note]
        .filter(Boolean)
        .join(" ");
      setRows(
        $("#sc-mm"),
        mm.minerals.map((m) =>
          m.computable
            ? el(
                "tr",
                {},
                td(nameOf(m)),
                td(num(m.row_multiplier.p50, 2), "num"),
                td(num(m.row_multiplier.p5, 2) + " - " + num(m.row_multiplier.p95, 2), "num"),
                td(num(m.restrictor_domestic_multiplier.p50, 2), "num"),
                td(pct(m.p_row_shortfall_gt_5pct), "num")
              )
            : el("tr", { class: "muted" }, td(nameOf(m)), el("td", { colSpan: 4, text: (m.missing || []).join("; ") }))
        )
      );
      const sc = bt.scores;
      setRows(
        $("#sc-bt-scores"),
        [
          ["in-sample", sc.in_sample],
          ["leave one episode out", sc.leave_one_episode_out],
        ].map(([fit, s]) =>
          el(
            "tr",
            {},
            td(fit),
            td(num(s.male, 2), "num"),
            td(num(s.no_change_male, 2), "num"),
            td(pct(s.within_2x), "num"),
            td(pct(s.coverage_90), "num")
          )
        )
      );
      downloads($("#sc-bt"), "/scenarios/backtest"); // the bundled backtest every forecast carries
      setRows(
        $("#sc-bt"),
        bt.cases.map((c) =>
          el(
            "tr",
            {},
            el("td", { text: caseWords(c.case, this.names), title: c.case }),
            td(c.market),
            td(c.window),
            td(num(c.observed, 2), "num"),
            td(num(c.in_sample, 2), "num"),
            td(num(c.loo, 2) + " (" + num(c.loo_p5, 2) + " - " + num(c.loo_p95, 2) + ")", "num")
          )
        )
      );
    },

    async plan() {
      const button = $("#sp-run");
      showError("sp-error", null);
      $("#sp-status").textContent = "optimising...";
      button.disabled = true;
      let res, front;
      const econ = {
        cap_days: Number($("#sp-cap").value),
        probability: Number($("#sp-prob").value),
        draws: Number($("#sp-draws").value),
      };
      try {
        [res, front] = await Promise.all([
          api("/stockpile/plan", { json: { ...econ, budget_usd: Number($("#sp-budget").value) * 1e9 } }),
          api("/stockpile/frontier", { json: { ...econ, max_budget_usd: 20e9, step_usd: 1e9 } }),
        ]);
      } catch (err) {
        $("#sp-status").textContent = "";
        showError("sp-error", err);
        return;
      } finally {
        button.disabled = false;
      }
      $("#sp-status").textContent =
        num(res.draws) + " draws, seed " + res.seed + ", " + res.minerals_in_scope + " minerals in scope.";
      const lp = res.lp_check;
      const last = res.last_dollar;
      const stop = res.stops_paying;
      $("#sp-cards").replaceChildren(
        card("spent", usd(res.spent_usd), "of " + usd(res.budget_usd) + (res.budget_binding ? " (budget binding)" : " (stops paying)")),
        card("expected damage avoided", usd(res.damage_avoided_usd_per_yr) + "/yr", "of " + usd(res.expected_damage_usd_per_yr) + "/yr; holding cost " + usd(res.holding_cost_usd_per_yr) + "/yr"),
        last
          ? card("last dollar", last.mineral, "avoids $" + last.benefit_per_usd.toPrecision(3) + "/yr for $" + last.holding_cost_per_usd.toPrecision(3) + " holding cost")
          : card("stops paying at", usd(stop.at_usd), stop.mineral ? "next dollar avoids $" + stop.benefit_per_usd.toPrecision(3) + "/yr < $" + stop.holding_cost_per_usd.toPrecision(3) + " cost" : stop.reason),
        lp
          ? card(
              "HiGHS cross-check",
              lp.relative_gap < 1e-6 ? "agrees" : "gap " + (100 * lp.relative_gap).toPrecision(2) + " %",
              lp.solver + ", relative gap " + lp.relative_gap.toExponential(1)
            )
          : null
      );
      const rows = res.allocations.filter((a) => a.tonnes > 0);
      const nameOf = (a) => this.names[a.mineral] || label(a.mineral);
      draw(
        "sp-chart",
        [
          {
            type: "bar",
            x: rows.map(nameOf),
            y: rows.map((a) => a.usd / 1e6),
            marker: { color: ACCENT },
            customdata: rows.map((a) => (a.days_of_net_imports === null ? "n/a" : Math.round(a.days_of_net_imports))),
            hovertemplate: "%{x}: $%{y:,.1f} M, %{customdata} days of net imports<extra></extra>",
          },
        ],
        layout("Budget allocated by mineral, USD million", {
          height: 330,
          xaxis: { title: { text: "mineral" }, automargin: true },
          yaxis: { title: { text: "USD million" }, gridcolor: "#eee" },
          showlegend: false,
        })
      );
      setRows(
        $("#sp-table"),
        rows.map((a) =>
          el(
            "tr",
            {},
            td(nameOf(a)),
            td(tonnes(a.tonnes), "num"),
            td(usd(a.usd), "num"),
            td(a.days_of_net_imports === null ? "n/a" : num(a.days_of_net_imports), "num"),
            td(usd(a.expected_damage_usd_per_yr), "num"),
            td(usd(a.damage_avoided_usd_per_yr), "num")
          )
        )
      );
      const pts = front.points;
      draw(
        "sp-frontier",
        [
          {
            type: "scatter",
            mode: "lines+markers",
            name: "damage avoided less holding cost",
            x: pts.map((p) => p.budget_usd / 1e9),
            y: pts.map((p) => p.net_value_usd_per_yr / 1e9),
            customdata: pts.map((p) => p.marginal_benefit_per_usd.toPrecision(3)),
            hovertemplate: "$%{x:.0f} B: $%{y:,.2f} B a year; next dollar avoids $%{customdata}<extra></extra>",
            marker: { color: ACCENT },
          },
        ],
        layout("Efficient frontier: expected damage avoided less holding cost, USD billion a year (buying stops paying at " + usd(front.stops_paying_at_usd) + ")", {
          height: 330,
          xaxis: { title: { text: "budget, USD billion" }, gridcolor: "#eee" },
          yaxis: { title: { text: "USD billion a year" }, gridcolor: "#eee" },
          showlegend: false,
        })
      );
      const mineralName = (m) => this.names[m] || label(m);
      const skipped = res.not_in_scope.map((s) => mineralName(s.mineral) + " (" + s.reason + ")");
      $("#sp-note").textContent =
        "Objective: expected damage avoided (consumer loss from the demand curve) minus holding cost, USD a year (docs/stockpile.md). Binding minerals: " +
        (res.binding_minerals.map(mineralName).join(", ") || "none") + "." + (skipped.length ? " Not in scope: " + skipped.join("; ") + "." : "");
    },
  };

  // -- routing -------------------------------------------------------------------------------------

  const VIEWS = { concentration: conc, controls, ledger, floor, scenarios };
  const started = {};

  // pages.js (country and mineral pages, search) adds its views through this kit
  window.critminKit = {
    views: VIEWS,
    api, el, query, showError, fillSelect, setRows, td, sourceCell, sourceLink, once,
    countryNames, mineralNames, num, tonnes, pct, usd, label,
  };

  function route() {
    // "#country/COD": the view, then its arguments (a view with enter() is given them)
    const parts = (location.hash || "#concentration").slice(1).split("/").map(decodeURIComponent);
    const name = parts[0];
    const view = VIEWS[name] ? name : "concentration";
    for (const key of Object.keys(VIEWS)) {
      document.getElementById("view-" + key).hidden = key !== view;
    }
    document.querySelectorAll("nav a[data-view]").forEach((a) => {
      if (a.dataset.view === view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    if (!started[view]) {
      started[view] = VIEWS[view].init().catch((err) => {
        const box = document.querySelector("#view-" + view + " .error");
        showError(box.id, err);
        started[view] = null;
      });
    } else {
      // charts drawn while their view was hidden take the size of the visible view
      document.querySelectorAll("#view-" + view + " .js-plotly-plot").forEach((d) => critminFit.refit(d));
    }
    if (VIEWS[view].enter) VIEWS[view].enter(parts.slice(1));
    document.body.dataset.view = view;
  }

  window.addEventListener("hashchange", route);
  // titles re-wrapped and narrow variants switched when the width changes; printed, the
  // charts are redrawn at the A4 text width and at most a page tall (as the brief does)
  let printing = false;
  const refitAll = (opts) =>
    document.querySelectorAll(".view:not([hidden]) .js-plotly-plot").forEach((d) => critminFit.refit(d, opts));
  window.addEventListener("resize", debounce(() => printing || refitAll(), 200));
  window.addEventListener("beforeprint", () => {
    printing = true;
    refitAll({ width: 700, maxHeight: 960 });
  });
  window.addEventListener("afterprint", () => {
    printing = false;
    refitAll();
  });
  document.addEventListener("DOMContentLoaded", () => {
    route();
    fetch("/healthz")
      .then((r) => r.json())
      .then((h) => ($("#foot-version").textContent = "critmin " + h.version + ". "))
      .catch(() => {});
  });
})();
