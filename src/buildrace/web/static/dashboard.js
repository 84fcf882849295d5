// buildrace dashboard: controls -> POST /api/race -> verdict cards and charts.
// Plain JavaScript, no libraries, nothing loaded from the network. The server computes
// every number; this file only turns controls into lever dicts and draws.
"use strict";
(function () {
  const US = "#1d4ed8", CN = "#c81e1e", GREY = "#9aa5b1";
  const DEBOUNCE_MS = 350;
  const state = {
    lang: "en", strings: null, scenarios: [], controls: [], scenario: "race",
    values: {}, defaults: {}, draws: 1, result: null, previous: null,
    stage: "li_ion_battery.cell_lfp", chain: "li_ion_battery", site: null,
    inflight: null, timer: null, noShock: false,
  };
  const $ = (sel) => document.querySelector(sel);
  const NS = "http://www.w3.org/2000/svg";

  // --- strings and numbers ---------------------------------------------------------
  function lookup(lang, path) {
    let node = state.strings && state.strings[lang];
    for (const part of path.split(".")) node = node == null ? undefined : node[part];
    return node;
  }
  function t(path, fields) {
    let text = lookup(state.lang, path);
    if (text == null) text = lookup("en", path);
    if (text == null) return path;
    return String(text).replace(/\{(\w+)\}/g, (m, k) => (fields && k in fields ? fields[k] : m));
  }
  function num(x, digits) {
    const d = digits == null ? 0 : digits;
    return new Intl.NumberFormat(state.lang === "vi" ? "vi-VN" : "en-US",
      { minimumFractionDigits: d, maximumFractionDigits: d }).format(x);
  }
  function compact(x) {
    const a = Math.abs(x);
    const suffix = (k) => t("report.number." + k);
    if (a >= 1e9) return num(x / 1e9, a < 1e10 ? 1 : 0) + suffix("billion");
    if (a >= 1e6) return num(x / 1e6, a < 1e7 ? 1 : 0) + suffix("million");
    if (a >= 1e4) return num(x / 1e3, 0) + suffix("thousand");
    if (a >= 100) return num(x, 0);
    if (a >= 1) return num(x, 1);
    return num(x, a === 0 ? 0 : 2);
  }
  function pct(share, digits) { return t("ui.unit_percent", { value: num(100 * share, digits == null ? 0 : digits) }); }
  function years(n, end) {
    if (n == null) return t("ui.never_short", { year: end });
    if (n === 0) return t("ui.at_once");
    return t("ui.years_short", { n: num(n, Number.isInteger(n) ? 0 : 1) });
  }
  function stageName(s) {
    const info = state.result && state.result.stage_info[s];
    if (!info) return s;
    return state.lang === "vi" ? info.name_vi : info.name;
  }
  function economyName(e) {
    const info = state.result && state.result.economy_info[e];
    if (!info) return e;
    return state.lang === "vi" ? info.name_vi : info.name;
  }
  function chainName(c) { return t("ui.chains." + c); }

  function applyStrings() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang)));
    document.title = "buildrace: " + t("ui.app_title");
  }

  // --- HTTP --------------------------------------------------------------------------
  async function getJSON(url, options) {
    const resp = await fetch(url, options);
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (!resp.ok) throw new Error((body && body.error) || resp.status + " " + resp.statusText);
    return body;
  }
  function setStatus(text, isError) {
    const el = $("#status");
    el.textContent = text || "";
    el.classList.toggle("error", !!isError);
  }

  // --- controls -> lever dicts ----------------------------------------------------------
  function same(a, b) {
    if (a == null || b == null) return a == b;
    if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) < 1e-9;
    return a === b;
  }
  function isOn(v) { return v === true || (typeof v === "number" && v > 0); }
  function fill(template, value) {
    if (template === "{value}") return value;
    if (Array.isArray(template)) return template.map((x) => fill(x, value));
    if (template && typeof template === "object") {
      const out = {};
      for (const k of Object.keys(template)) out[k] = fill(template[k], value);
      return out;
    }
    return template;
  }
  function buildRequest() {
    const remove = [], policies = [];
    for (const c of state.controls) {
      const v = state.values[c.id], d = state.defaults[c.id];
      if (same(v, d)) continue;
      remove.push(...c.remove);
      if (isOn(v)) policies.push(...c.add.map((tpl) => fill(tpl, v)));
    }
    return { scenario: state.scenario, policies: policies, remove: remove, draws: state.draws };
  }
  function changedCount() {
    return state.controls.filter((c) => !same(state.values[c.id], state.defaults[c.id])).length;
  }

  function displayValue(c, v) {
    if (c.type === "year") return v == null ? t("ui.year_off") : String(v);
    if (c.type === "toggle") return v ? t("ui.state_on") : t("ui.state_off");
    if (c.id === "sovereign_fund") return t("ui.unit_fund", { value: num(v * c.display_scale, 1) });
    return t("ui.unit_percent", { value: num(v * c.display_scale, 0) });
  }

  // Built once per scenario or language; refreshControls() updates it in place so a
  // slider or checkbox keeps the keyboard focus while the user moves it.
  const controlEls = {};
  function renderControls() {
    const box = $("#levers");
    box.textContent = "";
    for (const c of state.controls) {
      const wrap = document.createElement("div");
      wrap.className = "lever";
      wrap.id = "lever-" + c.id;
      const helpId = "help-" + c.id;
      const els = { wrap: wrap, check: null, range: null, out: null };
      const head = document.createElement("div");
      head.className = "lever-head";
      if (c.type === "toggle" || c.type === "year") {
        const lab = document.createElement("label");
        lab.className = "switch";
        const check = document.createElement("input");
        check.type = "checkbox";
        check.id = "ctl-" + c.id + (c.type === "year" ? "-on" : "");
        check.setAttribute("aria-describedby", helpId);
        check.addEventListener("change", () => {
          state.values[c.id] = c.type === "year"
            ? (check.checked ? Number(els.range.value) : null) : check.checked;
          changed();
        });
        lab.append(check, document.createTextNode(t("ui.controls." + c.id)));
        head.append(lab);
        els.check = check;
      } else {
        const lab = document.createElement("label");
        lab.htmlFor = "ctl-" + c.id;
        lab.textContent = t("ui.controls." + c.id);
        head.append(lab);
      }
      const out = document.createElement("output");
      out.id = "out-" + c.id;
      head.append(out);
      els.out = out;
      wrap.append(head);
      if (c.type === "range" || c.type === "year") {
        const r = document.createElement("input");
        r.type = "range";
        r.id = "ctl-" + c.id;
        r.min = c.min; r.max = c.max; r.step = c.step;
        r.value = state.values[c.id] == null ? (state.defaults[c.id] || 2026) : state.values[c.id];
        r.setAttribute("aria-label", t("ui.controls." + c.id));
        r.setAttribute("aria-describedby", helpId);
        r.addEventListener("input", () => {
          state.values[c.id] = Number(r.value);
          out.textContent = displayValue(c, state.values[c.id]);
          r.setAttribute("aria-valuetext", out.textContent);
        });
        r.addEventListener("change", changed);
        wrap.append(r);
        els.range = r;
      }
      const help = document.createElement("p");
      help.className = "help";
      help.id = helpId;
      help.textContent = t("ui.controls." + c.id + "_help");
      wrap.append(help);
      box.append(wrap);
      controlEls[c.id] = els;
    }
    refreshControls();
  }

  function refreshControls() {
    for (const c of state.controls) {
      const els = controlEls[c.id], v = state.values[c.id];
      if (!els) continue;
      els.wrap.classList.toggle("changed", !same(v, state.defaults[c.id]));
      els.out.textContent = displayValue(c, v);
      if (els.check) els.check.checked = c.type === "year" ? v != null : !!v;
      if (els.range) {
        if (v != null && Number(els.range.value) !== v) els.range.value = v;
        els.range.disabled = c.type === "year" && v == null;
        els.range.setAttribute("aria-valuetext", els.out.textContent);
      }
    }
    const n = changedCount();
    let note = n ? t("ui.changes_some", { n: n }) : t("ui.changes_none");
    if (state.noShock) note = t("ui.no_shock_note") + " " + note;
    $("#changes").textContent = note;
  }

  function changed() {
    refreshControls();
    if ($("#auto").checked) schedule();
  }
  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(run, DEBOUNCE_MS);
  }

  function selectScenario(name) {
    const sc = state.scenarios.find((s) => s.name === name) || state.scenarios[0];
    state.scenario = sc.name;
    state.defaults = Object.assign({}, sc.controls);
    state.values = Object.assign({}, sc.controls);
    state.noShock = sc.shocks === 0;
    if (state.noShock) state.values.decoupling = 2026;
    $("#scenario").value = sc.name;
    $("#scenario-desc").textContent = sc.description;
    state.previous = null;
    renderControls();
  }

  // --- running -------------------------------------------------------------------------
  async function run() {
    clearTimeout(state.timer);
    if (state.inflight) state.inflight.abort();
    const ctrl = new AbortController();
    state.inflight = ctrl;
    $("#run").disabled = true;
    $("#panel-race").classList.add("busy");
    setStatus(t("ui.running"));
    try {
      const body = JSON.stringify(buildRequest());
      const res = await getJSON("/api/race", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: body, signal: ctrl.signal,
      });
      if (state.result && state.result.request.scenario === res.request.scenario) state.previous = state.result;
      state.result = res;
      setStatus("");
      renderResults();
    } catch (err) {
      if (err.name === "AbortError") return;
      setStatus(err instanceof TypeError ? t("ui.network_error") : t("ui.error", { message: err.message }), true);
    } finally {
      if (state.inflight === ctrl) {
        state.inflight = null;
        $("#run").disabled = false;
        $("#panel-race").classList.remove("busy");
      }
    }
  }

  // --- verdict -------------------------------------------------------------------------
  function raceBar(cls, label, value, prevValue, horizon, end) {
    const row = document.createElement("div");
    row.className = "race-bar " + cls;
    const lab = document.createElement("div");
    lab.className = "label";
    const name = document.createElement("span");
    name.textContent = label;
    const val = document.createElement("b");
    val.textContent = years(value, end);
    lab.append(name, val);
    const track = document.createElement("div");
    track.className = "track";
    const fillEl = document.createElement("div");
    fillEl.className = "fill" + (value == null ? " never" : "");
    fillEl.style.width = (value == null ? 100 : Math.max(2, (100 * value) / horizon)) + "%";
    track.append(fillEl);
    row.append(lab, track);
    if (prevValue !== undefined && !same(prevValue, value)) {
      const d = document.createElement("span");
      const pv = prevValue == null ? horizon + 1 : prevValue, nv = value == null ? horizon + 1 : value;
      d.className = "delta " + (cls === "us" ? (nv < pv ? "better" : "worse") : "");
      d.textContent = t("ui.previous", { value: years(prevValue, end) });
      row.append(d);
    }
    return row;
  }

  function renderVerdict() {
    const r = state.result, s = r.summary, imp = r.importer, exp = r.exporter;
    const horizon = s.end_year - s.shock_year;
    $("#verdict-sub").textContent = t("ui.verdict_sub", { shock_year: s.shock_year });
    const box = $("#verdict");
    box.textContent = "";
    const prev = state.previous && state.previous.summary.verdict;
    for (const [chain, v] of Object.entries(s.verdict)) {
      const card = document.createElement("article");
      const winner = v.winner;
      card.className = "card" + (winner === imp ? " us" : winner === exp ? " cn" : "");
      card.dataset.chain = chain;
      const h = document.createElement("h3");
      h.textContent = chainName(chain);
      const head = document.createElement("p");
      head.className = "headline" + (winner === imp || winner === exp ? "" : " long");
      const fields = { economy: economyName(winner), importer: economyName(imp), exporter: economyName(exp),
        threshold: pct(s.threshold), end_year: s.end_year };
      head.textContent = winner === imp || winner === exp ? t("report.winner_first", fields)
        : winner === "tie" ? t("report.winner_tie", fields)
          : winner === "no gap" ? t("report.winner_no_gap", fields) : t("report.winner_neither", fields);
      card.append(h, head);
      const pv = prev && prev[chain];
      card.append(raceBar("us", t("ui.substitution_label", { importer: economyName(imp) }), v[imp + "_substitution_years"],
        pv ? pv[imp + "_substitution_years"] : undefined, horizon, s.end_year));
      card.append(raceBar("cn", t("ui.redirection_label", { exporter: economyName(exp) }), v[exp + "_redirection_years"],
        pv ? pv[exp + "_redirection_years"] : undefined, horizon, s.end_year));
      if (s.draws > 1 && (v["p_" + imp + "_first"] > 0 || v["p_" + exp + "_first"] > 0)) {
        const odds = document.createElement("p");
        odds.className = "odds";
        odds.textContent = t("report.odds", { importer: economyName(imp), exporter: economyName(exp),
          p_importer: pct(v["p_" + imp + "_first"]), p_exporter: pct(v["p_" + exp + "_first"]) });
        card.append(odds);
      }
      box.append(card);
    }
  }

  // --- charts --------------------------------------------------------------------------
  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.append(node);
    return node;
  }
  function niceStep(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }
  function niceMax(v) { const step = niceStep(v / 4); return Math.max(step, Math.ceil(v / step - 1e-9) * step); }

  // series: [{name, values, color, dash, area, band: {lo, hi}}]
  function lineChart(fig, opts) {
    const W = 540, H = 250, L = 58, R = 14, T = 10, B = 26;
    const box = fig.querySelector(".chart");
    box.textContent = "";
    const years = opts.years;
    let max = opts.yMax || 0;
    for (const s of opts.series) for (const arr of [s.values, s.band && s.band.hi]) if (arr) for (const v of arr) if (v != null && v > max) max = v;
    max = opts.fixedMax || niceMax(max * 1.02);
    const step = niceStep(max / 4);
    const x = (i) => L + (i * (W - L - R)) / (years.length - 1);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": opts.label });
    el("title", {}, svg).textContent = opts.label;
    for (let k = 0; k * step <= max * (1 + 1e-9); k++) {
      const v = k * step;
      el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e6e9ee" }, svg);
      el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, svg).textContent = opts.format(v);
    }
    years.forEach((yr, i) => {
      if (yr % 5 === 0) el("text", { x: x(i), y: H - 8, "text-anchor": "middle" }, svg).textContent = yr;
    });
    if (opts.refLine != null) el("line", { x1: L, x2: W - R, y1: y(opts.refLine), y2: y(opts.refLine), stroke: "#52606d", "stroke-dasharray": "2 3" }, svg);
    const si = years.indexOf(opts.shockYear);
    if (si >= 0) {
      el("line", { x1: x(si), x2: x(si), y1: T, y2: H - B, stroke: "#f59e0b", "stroke-width": 1.5, "stroke-dasharray": "4 3" }, svg);
      el("text", { x: x(si) + 4, y: T + 10 }, svg).textContent = t("report.shock");
    }
    const path = (vals) => {
      let d = "", pen = false;
      vals.forEach((v, i) => {
        if (v == null) { pen = false; return; }
        d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(Math.min(v, max)).toFixed(1);
        pen = true;
      });
      return d;
    };
    for (const s of opts.series) {
      if (s.band) {
        let d = "";
        s.band.hi.forEach((v, i) => { d += (i ? "L" : "M") + x(i).toFixed(1) + " " + y(Math.min(v || 0, max)).toFixed(1); });
        for (let i = s.band.lo.length - 1; i >= 0; i--) d += "L" + x(i).toFixed(1) + " " + y(Math.min(s.band.lo[i] || 0, max)).toFixed(1);
        el("path", { d: d + "Z", fill: s.color, opacity: 0.14 }, svg);
      }
      if (s.area) {
        const first = s.values.findIndex((v) => v != null);
        if (first >= 0) {
          let d = path(s.values);
          let last = s.values.length - 1;
          while (s.values[last] == null) last--;
          d += `L${x(last)} ${y(0)}L${x(first)} ${y(0)}Z`;
          el("path", { d: d, fill: s.color, opacity: 0.18 }, svg);
        }
      }
      el("path", { d: path(s.values), fill: "none", stroke: s.color, "stroke-width": s.dash ? 1.6 : 2.4,
        "stroke-dasharray": s.dash ? "5 4" : "none", opacity: s.dash ? 0.7 : 1, "stroke-linejoin": "round" }, svg);
    }
    // hover / keyboard cursor
    const cursor = el("line", { y1: T, y2: H - B, stroke: "#1f2933", "stroke-width": 1, visibility: "hidden" }, svg);
    const dots = opts.series.filter((s) => !s.dash).map((s) => el("circle", { r: 3.5, fill: s.color, visibility: "hidden" }, svg));
    const hit = el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "transparent" }, svg);
    box.append(svg);
    box.tabIndex = 0;
    box.setAttribute("aria-label", opts.label);
    let at = -1;
    const tip = $("#tooltip");
    function show(i, cx, cy) {
      at = Math.max(0, Math.min(years.length - 1, i));
      cursor.setAttribute("x1", x(at)); cursor.setAttribute("x2", x(at)); cursor.setAttribute("visibility", "visible");
      opts.series.filter((s) => !s.dash).forEach((s, k) => {
        const v = s.values[at];
        dots[k].setAttribute("visibility", v == null ? "hidden" : "visible");
        if (v != null) { dots[k].setAttribute("cx", x(at)); dots[k].setAttribute("cy", y(Math.min(v, max))); }
      });
      tip.textContent = "";
      const head = document.createElement("div");
      head.textContent = String(years[at]);
      tip.append(head);
      for (const s of opts.series) {
        const row = document.createElement("div");
        const v = s.values[at];
        row.append(document.createTextNode(s.name + ": "));
        const b = document.createElement("b");
        b.textContent = v == null ? "–" : opts.format(v, true);
        row.append(b);
        tip.append(row);
      }
      tip.hidden = false;
      const rect = box.getBoundingClientRect();
      const px = cx != null ? cx : rect.left + (x(at) / W) * rect.width;
      const py = cy != null ? cy : rect.top + 20;
      tip.style.left = Math.min(px + 14, window.innerWidth - 290) + "px";
      tip.style.top = py + 14 + "px";
    }
    function hide() {
      tip.hidden = true; cursor.setAttribute("visibility", "hidden");
      dots.forEach((d) => d.setAttribute("visibility", "hidden"));
    }
    hit.addEventListener("pointermove", (ev) => {
      const rect = svg.getBoundingClientRect();
      const sx = ((ev.clientX - rect.left) / rect.width) * W;
      show(Math.round(((sx - L) / (W - L - R)) * (years.length - 1)), ev.clientX, ev.clientY);
    });
    hit.addEventListener("pointerleave", hide);
    box.onkeydown = (ev) => {
      if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
        show((at < 0 ? years.indexOf(opts.shockYear) : at) + (ev.key === "ArrowRight" ? 1 : -1));
        ev.preventDefault();
      } else if (ev.key === "Escape") hide();
    };
    box.onblur = hide;
    const legend = fig.querySelector(".legend");
    if (legend) {
      legend.textContent = "";
      for (const s of opts.series) {
        const item = document.createElement("span");
        const sw = document.createElement("i");
        if (s.dash) sw.className = "dash";
        sw.style.borderTopColor = s.color;
        item.append(sw, document.createTextNode(s.name));
        legend.append(item);
      }
      if (opts.series.some((s) => s.band)) {
        const item = document.createElement("span");
        const sw = document.createElement("i");
        sw.className = "band";
        sw.style.background = GREY;
        item.append(sw, document.createTextNode(t("ui.band")));
        legend.append(item);
      }
    }
  }

  function setCaption(fig, title, caption) {
    fig.querySelector(".fig-title").textContent = title;
    fig.querySelector(".fig-caption").textContent = caption;
  }

  function renderCharts() {
    const r = state.result, s = r.summary, ser = r.series, imp = r.importer, exp = r.exporter;
    const st = ser.stages[state.stage] ? state.stage : Object.keys(ser.stages)[0];
    state.stage = st;
    const d = ser.stages[st], info = r.stage_info[st] || { unit: "", price_unit: "" };
    const nI = economyName(imp), nE = economyName(exp), nS = stageName(st);
    const withS = t("ui.with_shock"), without = t("ui.without_shock");
    const band = (e) => (ser.bands ? { lo: d.capacity_p05[e], hi: d.capacity_p95[e] } : null);
    const lastYear = String(s.end_year);

    let fig = $("#fig-capacity");
    setCaption(fig, `${t("ui.chart_capacity")}: ${nS}`, t("ui.chart_capacity_caption", { unit: info.unit }));
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => compact(v),
      label: `${t("ui.chart_capacity")}, ${nS}: ${nI} ${compact(d.capacity[imp].at(-1) || 0)}, ${nE} ${compact(d.capacity[exp].at(-1) || 0)} ${info.unit} (${lastYear})`,
      series: [
        { name: `${nI}, ${withS}`, values: d.capacity[imp], color: US, band: band(imp) },
        { name: `${nE}, ${withS}`, values: d.capacity[exp], color: CN, band: band(exp) },
        { name: `${nI}, ${without}`, values: d.capacity_without_shock[imp], color: US, dash: true },
        { name: `${nE}, ${without}`, values: d.capacity_without_shock[exp], color: CN, dash: true },
      ],
    });

    fig = $("#fig-cost");
    const gap = s.cost_gap[st] || {};
    const ratio = gap[lastYear];
    setCaption(fig, `${t("ui.chart_cost")}: ${nS}`, t("ui.chart_cost_caption", { unit: info.price_unit, importer: nI, exporter: nE,
      year: lastYear, ratio: ratio == null ? "–" : num(ratio, 2) }));
    const costDigits = (v) => (v === 0 || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 1 ? 2 : 3);
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => num(v, costDigits(v)),
      label: `${t("ui.chart_cost")}, ${nS}, ${info.price_unit}`,
      series: [
        { name: nI, values: d.unit_cost[imp], color: US },
        { name: nE, values: d.unit_cost[exp], color: CN },
      ],
    });

    fig = $("#fig-unmet");
    setCaption(fig, `${t("ui.chart_unmet", { importer: nI })}: ${nS}`, t("ui.chart_unmet_caption", { importer: nI }));
    const unmet = d.unmet_share[imp];
    const peak = Math.max(0, ...unmet.filter((v) => v != null));
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => pct(v, v > 0 && v < 0.1 ? 1 : 0),
      fixedMax: peak > 0 ? Math.min(1, niceMax(peak * 1.1)) : 0.1,
      label: `${t("ui.chart_unmet", { importer: nI })}, ${nS}: ${pct(peak, 1)}`,
      series: [{ name: nI, values: unmet, color: US, area: true }],
    });

    fig = $("#fig-sufficiency");
    setCaption(fig, `${t("ui.chart_sufficiency")}: ${nS}`, t("ui.chart_sufficiency_caption"));
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => pct(v), refLine: 1, yMax: 1,
      label: `${t("ui.chart_sufficiency")}, ${nS}`,
      series: [
        { name: nI, values: d.self_sufficiency[imp], color: US },
        { name: nE, values: d.self_sufficiency[exp], color: CN },
      ],
    });
    renderTimeline();
  }

  function renderTimeline() {
    const r = state.result, s = r.summary, imp = r.importer, exp = r.exporter;
    const fig = $("#fig-timeline");
    setCaption(fig, t("ui.chart_timeline"), t("ui.chart_timeline_caption", { importer: economyName(imp), exporter: economyName(exp),
      threshold: pct(s.threshold), end_year: s.end_year }));
    const sub = s.substitution_years[imp], red = s.redirection_years[exp];
    const stages = Object.keys(sub);
    const horizon = s.end_year - s.shock_year;
    const W = 900, L = 230, R = 40, ROW = 20, T = 18;
    const groups = [];
    for (const st of stages) {
      const ch = (r.stage_info[st] || {}).chain || st.split(".")[0];
      if (!groups.length || groups[groups.length - 1].chain !== ch) groups.push({ chain: ch, stages: [] });
      groups[groups.length - 1].stages.push(st);
    }
    const H = T + stages.length * ROW + groups.length * 18 + 24;
    const x = (v) => L + ((W - L - R) * v) / horizon;
    const box = fig.querySelector(".chart");
    box.textContent = "";
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": t("ui.chart_timeline") });
    el("title", {}, svg).textContent = t("ui.chart_timeline");
    for (let k = 0; k <= horizon; k += 5) {
      el("line", { x1: x(k), x2: x(k), y1: T - 4, y2: H - 20, stroke: "#e6e9ee" }, svg);
      el("text", { x: x(k), y: H - 6, "text-anchor": "middle" }, svg).textContent = String(s.shock_year + k);
    }
    let yy = T;
    const bar = (v, y0, color, who, st) => {
      const g = el("g", {}, svg);
      const label = `${stageName(st)}: ${who} ${years(v, s.end_year)}`;
      el("title", {}, g).textContent = label;
      if (v == null) {
        el("rect", { x: L, y: y0, width: x(horizon) - L, height: 7, fill: color, opacity: 0.35 }, g);
        el("path", { d: `M${x(horizon)} ${y0 - 2}l9 5.5l-9 5.5z`, fill: color }, g);
      } else if (v === 0) {
        el("path", { d: `M${L} ${y0 - 1}l5 4.5l-5 4.5l-5 -4.5z`, fill: color }, g);
      } else {
        el("rect", { x: L, y: y0, width: Math.max(2, x(v) - L), height: 7, rx: 2, fill: color }, g);
      }
    };
    for (const g of groups) {
      el("text", { x: 4, y: yy + 12, "font-weight": 700, fill: "#1f2933" }, svg).textContent = chainName(g.chain);
      yy += 18;
      for (const st of g.stages) {
        const tx = el("text", { x: L - 8, y: yy + 12, "text-anchor": "end" }, svg);
        tx.textContent = stageName(st);
        if (st === state.stage) { tx.setAttribute("font-weight", "700"); tx.setAttribute("fill", "#1f2933"); }
        bar(sub[st], yy + 2, US, economyName(imp), st);
        bar(red[st], yy + 10, CN, economyName(exp), st);
        yy += ROW;
      }
    }
    box.append(svg);
  }

  function renderStageSelect() {
    const sel = $("#stage");
    const r = state.result;
    sel.textContent = "";
    const groups = {};
    for (const st of Object.keys(r.series.stages)) {
      const ch = (r.stage_info[st] || {}).chain || st.split(".")[0];
      if (!groups[ch]) {
        groups[ch] = document.createElement("optgroup");
        groups[ch].label = chainName(ch);
        sel.append(groups[ch]);
      }
      const o = document.createElement("option");
      o.value = st;
      o.textContent = stageName(st);
      groups[ch].append(o);
    }
    if (!r.series.stages[state.stage]) state.stage = Object.keys(r.series.stages)[0];
    sel.value = state.stage;
  }

  function renderResults() {
    if (!state.result) return;
    renderVerdict();
    renderStageSelect();
    renderCharts();
  }

  // --- siting --------------------------------------------------------------------------
  async function loadSite() {
    const key = state.chain + "|" + state.lang;
    if (state.site && state.site.key === key) return;
    setStatus(t("ui.loading"));
    $("#panel-siting").classList.add("busy");
    try {
      const res = await getJSON(`/api/site?chain=${encodeURIComponent(state.chain)}&lang=${state.lang}`);
      state.site = { key: key, data: res };
      setStatus("");
      renderSite();
    } catch (err) {
      setStatus(t("ui.error", { message: err.message }), true);
    } finally {
      $("#panel-siting").classList.remove("busy");
    }
  }

  function renderSite() {
    if (!state.site) return;
    const d = state.site.data;
    $("#site-intro").textContent = t("ui.site_intro", { k: d.k, budget: num(d.budget_musd) });
    // The map SVG is generated by the server from embedded data (names escaped there).
    $("#site-map").innerHTML = d.map_svg;
    const list = $("#site-designated");
    list.textContent = "";
    for (const x of d.designations) {
      const li = document.createElement("li");
      const roles = x.roles.map((r) => t("ui.role_" + r)).join(", ");
      li.textContent = `${x.name} (${x.site.split(":").pop()}): ${roles}`;
      list.append(li);
    }
    $("#site-cost").textContent = t("ui.site_cost", { cost: num(d.total_cost_musd), budget: num(d.budget_musd) });
    const thead = $("#site-ranks thead"), tbody = $("#site-ranks tbody");
    thead.textContent = ""; tbody.textContent = "";
    const hr = document.createElement("tr");
    for (const k of ["site_rank", "site_state", "site_composite", "site_upstream", "site_manufacturing"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = t("ui." + k);
      hr.append(th);
    }
    thead.append(hr);
    const chosen = new Set(d.designations.map((x) => x.site));
    for (const s of d.sites.slice(0, 12)) {
      const tr = document.createElement("tr");
      if (chosen.has(s.site)) tr.className = "chosen";
      for (const v of [String(s.rank), s.name, num(s.composite, 3), num(s.upstream, 3), num(s.manufacturing, 3)]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      tbody.append(tr);
    }
  }

  function renderChainSelect() {
    const sel = $("#chain");
    sel.textContent = "";
    for (const c of ["li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"]) {
      const o = document.createElement("option");
      o.value = c;
      o.textContent = chainName(c);
      sel.append(o);
    }
    sel.value = state.chain;
  }

  // --- tabs, language, start -------------------------------------------------------------
  function selectTab(which) {
    for (const name of ["race", "siting"]) {
      const tab = $("#tab-" + name), panel = $("#panel-" + name);
      const on = name === which;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      panel.hidden = !on;
    }
    if (which === "siting") loadSite();
  }

  function setLanguage(lang) {
    state.lang = lang;
    try { localStorage.setItem("buildrace.lang", lang); } catch (e) { /* private mode */ }
    applyStrings();
    renderControls();
    renderChainSelect();
    renderResults();
    if (!$("#panel-siting").hidden) loadSite();
  }

  async function start() {
    try {
      const [strings, scen, levers] = await Promise.all([
        getJSON("/api/strings"), getJSON("/api/scenarios"), getJSON("/api/levers"),
      ]);
      state.strings = strings;
      state.scenarios = scen.scenarios;
      state.controls = levers.controls;
      let saved = null;
      try { saved = localStorage.getItem("buildrace.lang"); } catch (e) { saved = null; }
      const wanted = new URLSearchParams(location.search).get("lang") || saved;
      if (wanted && strings.languages.includes(wanted)) state.lang = wanted;
      applyStrings();
      const sel = $("#scenario");
      for (const s of state.scenarios) {
        const o = document.createElement("option");
        o.value = s.name;
        o.textContent = s.name;
        sel.append(o);
      }
      selectScenario(scen.default);
      renderChainSelect();
    } catch (err) {
      setStatus(err.message, true);
      return;
    }
    $("#scenario").addEventListener("change", (ev) => { selectScenario(ev.target.value); run(); });
    $("#draws").addEventListener("change", (ev) => { state.draws = Number(ev.target.value); if ($("#auto").checked) schedule(); });
    $("#run").addEventListener("click", run);
    $("#reset").addEventListener("click", () => { selectScenario(state.scenario); run(); });
    $("#stage").addEventListener("change", (ev) => { state.stage = ev.target.value; renderCharts(); });
    $("#chain").addEventListener("change", (ev) => { state.chain = ev.target.value; loadSite(); });
    document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => setLanguage(b.dataset.lang)));
    const tabs = [$("#tab-race"), $("#tab-siting")];
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => selectTab(i ? "siting" : "race"));
      tab.addEventListener("keydown", (ev) => {
        if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
          const next = tabs[(i + 1) % 2];
          next.focus();
          selectTab(next === tabs[1] ? "siting" : "race");
        }
      });
    });
    run();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
