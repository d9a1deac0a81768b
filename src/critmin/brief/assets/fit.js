/* critmin chart fitting, shared by the brief (inlined) and the dashboard (/static/app/fit.js).
 *
 * plotly.js never wraps a title, an axis title or an annotation: at 390 px a long title runs
 * off the chart and is clipped. critminFit.layout(layout, width) returns a copy of a figure's
 * layout for a chart `width` px wide:
 *  - titles, axis titles and paper-anchored annotations wrapped at word boundaries (<br>),
 *    the top margin and the height grown by the added lines;
 *  - below 600 px, the figure's own narrow variant (layout.meta.narrow.layout, built by
 *    critmin.brief.charts, e.g. the export-control timeline's labels above their bars) merged
 *    over the layout, and layout.meta.narrow.data[i] over trace i;
 *  - with opts.maxHeight (print), the height capped so a chart fits one A4 page.
 * Text is data from the server; it is never parsed as HTML by this file.
 */
"use strict";

(function () {
  const NARROW = 600;
  const CHAR = 0.56; // average glyph width of Helvetica/Arial, in em

  function wrap(text, chars) {
    if (typeof text !== "string" || !text || chars < 8) return text;
    const out = [];
    for (const line of text.split("<br>")) {
      let cur = "";
      for (const word of line.split(" ")) {
        if (cur && (cur + " " + word).length > chars) {
          out.push(cur);
          cur = word;
        } else cur = cur ? cur + " " + word : word;
      }
      out.push(cur);
    }
    return out.join("<br>");
  }

  const lines = (t) => (typeof t === "string" ? t.split("<br>").length : 1);
  const copy = (x) => JSON.parse(JSON.stringify(x));

  function merge(base, over) {
    for (const [k, v] of Object.entries(over || {})) {
      if (v && typeof v === "object" && !Array.isArray(v) && base[k] && typeof base[k] === "object") {
        merge(base[k], v);
      } else base[k] = v;
    }
    return base;
  }

  function fitLayout(layout, width, opts) {
    const o = opts || {};
    const lay = copy(layout || {});
    const narrow = ((lay.meta || {}).narrow || {}).layout;
    if (narrow && width < NARROW) merge(lay, copy(narrow));
    const size = (lay.font || {}).size || 12;
    const m = Object.assign({ l: 80, r: 80, t: 100, b: 80 }, lay.margin || {});
    let grow = 0;
    if (lay.title && lay.title.text) {
      const fs = (lay.title.font || {}).size || size * 1.25;
      const before = lines(lay.title.text);
      lay.title.text = wrap(lay.title.text, Math.floor((width - 16) / (fs * CHAR)));
      const added = (lines(lay.title.text) - before) * fs * 1.25;
      m.t += added;
      grow += added;
      // from the top edge down, so extra lines never run into a legend or menu under it
      Object.assign(lay.title, { yref: "container", y: 1, yanchor: "top", pad: { t: 10 } });
    }
    const plotW = Math.max(width - m.l - m.r, 120);
    for (const ax of Object.keys(lay).filter((k) => /^xaxis\d*$/.test(k))) {
      const t = (lay[ax] || {}).title;
      if (t && t.text) {
        const before = lines(t.text);
        t.text = wrap(t.text, Math.floor(plotW / (size * CHAR)));
        const added = (lines(t.text) - before) * size * 1.25;
        m.b += added;
        grow += added;
      }
    }
    for (const a of lay.annotations || []) {
      if (a.xref === "paper" && typeof a.text === "string") {
        const fs = (a.font || {}).size || size;
        const room = a.xanchor === "left" ? plotW * (1 - (a.x || 0)) + m.r : plotW;
        const before = lines(a.text);
        a.text = wrap(a.text, Math.floor(room / (fs * CHAR)));
        const added = (lines(a.text) - before) * fs * 1.25;
        if (added && a.yref === "paper" && (a.y || 0) >= 1) {
          m.t += added;
          grow += added;
        }
      }
    }
    lay.margin = m;
    if (lay.height) lay.height += grow;
    if (o.maxHeight && (lay.height || 450) > o.maxHeight) {
      lay.height = o.maxHeight;
      // rows squeezed onto one page: every row keeps its label, in a smaller font if need be
      // (plotly.js would otherwise skip every other label)
      const y = lay.yaxis || {};
      const rows = (y.categoryarray || []).length;
      if (rows && y.showticklabels !== false) {
        const px = (o.maxHeight - m.t - m.b) / rows;
        const fs = (y.tickfont || {}).size || size;
        y.tickfont = Object.assign({}, y.tickfont, { size: Math.max(6, Math.min(fs, Math.floor(px * 0.8))) });
        Object.assign(y, { tickmode: "linear", dtick: 1 });
      }
    }
    if (o.width) lay.width = o.width;
    return lay;
  }

  function fitData(data, layout, width) {
    const over = ((layout.meta || {}).narrow || {}).data;
    if (!over || width >= NARROW) return data;
    return data.map((tr, i) => (over[i] ? merge(copy(tr), copy(over[i])) : tr));
  }

  function widthOf(el) {
    let w = el.clientWidth;
    for (let p = el.parentElement; !w && p; p = p.parentElement) w = p.clientWidth;
    return w || window.innerWidth;
  }

  // draw (or redraw) a chart fitted to its width; keeps the figure as given for a refit
  function plot(el, data, layout, config, opts) {
    const node = typeof el === "string" ? document.getElementById(el) : el;
    node._critminFigure = { data, layout, config };
    const w = (opts && opts.width) || widthOf(node);
    return Plotly.react(node, fitData(data, layout, w), fitLayout(layout, w, opts), config).then(
      (gd) => fitAxisTitles(gd) || gd
    );
  }

  // an axis title is centred on the plot area, which automargin sets only when drawn: once
  // drawn, a title wider than the plot area is wrapped to it
  function fitAxisTitles(node) {
    const full = node._fullLayout;
    if (!full) return null;
    const update = {};
    for (const ax of Object.keys(full).filter((k) => /^xaxis\d*$/.test(k))) {
      const a = full[ax], t = a && a.title && a.title.text;
      if (!t || !a._length) continue;
      const fs = (a.title.font || {}).size || 12;
      const wrapped = wrap(t.replace(/<br>/g, " "), Math.floor(a._length / (fs * CHAR)));
      if (wrapped !== t && lines(wrapped) > lines(t)) update[ax + ".title.text"] = wrapped;
    }
    return Object.keys(update).length ? Plotly.relayout(node, update) : null;
  }

  function refit(el, opts) {
    const f = el._critminFigure;
    if (!f) return Plotly.Plots.resize(el);
    return plot(el, f.data, f.layout, f.config, opts);
  }

  window.critminFit = { wrap, layout: fitLayout, data: fitData, plot, refit, NARROW };
})();
