// buildrace dashboard: controls -> POST /api/race -> answers, verdict cards and charts.
// Plain JavaScript, no libraries, nothing loaded from the network. The server computes
// every number; this file only turns controls into lever dicts and draws. The charts
// stay hand-drawn SVG: four line charts and a bar timeline are ~200 lines here, while a
// charting library would add a bundle several times the size of this file to the wheel.
"use strict";
(function () {
  const US = "#1d4ed8", CN = "#c81e1e", GREY = "#9aa5b1";
  const DEBOUNCE_MS = 350;
  const BAND_DRAWS = 20;
  // the stage the charts switch to when a lever acts on a whole chain
  const CHAIN_STAGE = { li_ion_battery: "li_ion_battery.cell_lfp", solar_pv: "solar_pv.module",
    ndfeb_magnet: "ndfeb_magnet.magnet_sintered", ev: "ev.assembly" };
  const state = {
    lang: "en", strings: null, scenarios: [], controls: [], sides: [], assumptionControls: [],
    scenario: "race", values: {}, defaults: {}, assumptions: {}, start: 2026, bands: false,
    result: null, previous: null, lastChange: null, pending: {},
    stage: "li_ion_battery.cell_lfp", stageNote: null, chain: "li_ion_battery", site: null,
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
  // units hold dots and spaces ("t Li contained"), so they are looked up whole
  function unitName(u) {
    const units = lookup(state.lang, "report.units") || {};
    return units[u] == null ? u : units[u];
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
  function scenarioName(name) {
    const label = lookup(state.lang, "ui.scenario_names." + name);
    return label == null ? name : label;
  }

  function applyStrings() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang)));
    document.title = "buildrace: " + t("ui.app_title");
    document.querySelectorAll("#scenario option").forEach((o) => { o.textContent = scenarioName(o.value); });
    const sc = state.scenarios.find((x) => x.name === state.scenario);
    if (sc) $("#scenario-desc").textContent = state.lang === "vi" && sc.description_vi ? sc.description_vi : sc.description;
    $("#out-policy-start").textContent = String(state.start);
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
  function fill(template, value) {
    if (template === "{value}") return value;
    if (template === "{start}") return state.start;
    if (Array.isArray(template)) return template.map((x) => fill(x, value));
    if (template && typeof template === "object") {
      const out = {};
      for (const k of Object.keys(template)) out[k] = fill(template[k], value);
      return out;
    }
    return template;
  }
  function isChanged(c) { return !same(state.values[c.id], state.defaults[c.id]); }
  function changedAssumptions() {
    const out = {};
    for (const a of state.assumptionControls) if (!same(state.assumptions[a.id], a.default)) out[a.id] = state.assumptions[a.id];
    return out;
  }
  function buildRequest() {
    const remove = [], policies = [];
    for (const c of state.controls) {
      if (!isChanged(c)) continue;
      const v = state.values[c.id];
      remove.push(...c.remove);
      if (v != null && !same(v, c.off)) policies.push(...c.add.map((tpl) => fill(tpl, v)));
    }
    const body = { scenario: state.scenario, policies: policies, remove: remove, draws: state.bands ? BAND_DRAWS : 1 };
    const a = changedAssumptions();
    if (Object.keys(a).length) body.assumptions = a;
    return body;
  }
  function changedCount() {
    return state.controls.filter(isChanged).length + Object.keys(changedAssumptions()).length;
  }

  function optionName(c, value) {
    if (c.option_names === "chains") return chainName(value);
    if (c.option_names === "stages") return stageName(value);
    const o = (c.options || []).find((x) => x.value === value);
    return o && o.name ? o.name : value;
  }
  function plainValue(c, v) {
    if (c.type === "year") return v == null ? t("ui.year_off") : String(v);
    if (c.type === "toggle") return v ? t("ui.state_on") : t("ui.state_off");
    if (c.type === "choice") return v == null ? t("ui.choice_off") : optionName(c, v);
    if (c.unit === "bn USD/yr") return t("ui.unit_fund", { value: num(v * c.display_scale, 1) });
    if (c.unit === "months") return t("ui.unit_months", { value: num(v, 0) });
    if (c.unit === "x") return t("ui.unit_multiplier", { value: num(v, 2) });
    return t("ui.unit_percent", { value: num(v * c.display_scale, 0) });
  }
  function displayValue(c, v) {
    const text = plainValue(c, v);
    const setting = (c.settings || []).find((s) => same(s.value, v));
    return setting && c.type !== "year" ? t("ui.setting_named", { value: text, name: t("ui.settings." + setting.name) }) : text;
  }
  function controlLabel(c) { return c.kind === "assumption" ? t("ui.assumptions." + c.id) : t("ui.controls." + c.id); }
  function controlHelp(c) { return c.kind === "assumption" ? t("ui.assumptions." + c.id + "_help") : t("ui.controls." + c.id + "_help"); }
  function getValue(c) { return c.kind === "assumption" ? state.assumptions[c.id] : state.values[c.id]; }
  function setValue(c, v) {
    const before = getValue(c);
    if (c.kind === "assumption") state.assumptions[c.id] = v; else state.values[c.id] = v;
    // against the last run: several key presses between two runs are one change
    if (!(c.id in state.pending)) state.pending[c.id] = before;
    if (!same(state.pending[c.id], v)) state.lastChange = { id: c.id, kind: c.kind, before: state.pending[c.id], after: v };
  }

  // Built once per scenario or language; refreshControls() updates it in place so a
  // slider or checkbox keeps the keyboard focus while the user moves it.
  const controlEls = {};
  function renderControl(c) {
    const wrap = document.createElement("div");
    wrap.className = "lever";
    wrap.id = "lever-" + c.id;
    const helpId = "help-" + c.id;
    const els = { wrap: wrap, check: null, range: null, select: null, out: null, c: c };
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
        setValue(c, c.type === "year" ? (check.checked ? Number(els.range.value) : null) : check.checked);
        changed(c);
      });
      lab.append(check, document.createTextNode(controlLabel(c)));
      head.append(lab);
      els.check = check;
    } else {
      const lab = document.createElement("label");
      lab.htmlFor = "ctl-" + c.id;
      lab.textContent = controlLabel(c);
      head.append(lab);
    }
    const out = document.createElement("output");
    out.id = "out-" + c.id;
    out.htmlFor = "ctl-" + c.id;
    head.append(out);
    els.out = out;
    wrap.append(head);
    if (c.type === "range" || c.type === "year") {
      const r = document.createElement("input");
      r.type = "range";
      r.id = "ctl-" + c.id;
      r.min = c.min; r.max = c.max; r.step = c.step;
      const v = getValue(c);
      r.value = v == null ? (state.defaults[c.id] || 2026) : v;
      // the year slider's visible label belongs to its on/off switch
      if (c.type === "year") r.setAttribute("aria-label", controlLabel(c));
      r.setAttribute("aria-describedby", helpId);
      r.addEventListener("input", () => {
        const nv = Number(r.value);
        out.textContent = displayValue(c, nv);
        r.setAttribute("aria-valuetext", out.textContent);
      });
      r.addEventListener("change", () => { setValue(c, Number(r.value)); changed(c); });
      wrap.append(r);
      els.range = r;
    } else if (c.type === "choice") {
      const sel = document.createElement("select");
      sel.id = "ctl-" + c.id;
      sel.setAttribute("aria-describedby", helpId);
      const none = document.createElement("option");
      none.value = "";
      none.textContent = t("ui.choice_off");
      sel.append(none);
      for (const o of c.options) {
        const opt = document.createElement("option");
        opt.value = o.value;
        opt.textContent = optionName(c, o.value);
        sel.append(opt);
      }
      sel.addEventListener("change", () => { setValue(c, sel.value === "" ? null : sel.value); changed(c); });
      wrap.append(sel);
      els.select = sel;
    }
    if (c.type === "range" && (c.settings || []).length) {
      const row = document.createElement("div");
      row.className = "settings";
      row.setAttribute("role", "group");
      row.setAttribute("aria-label", t("ui.settings_label", { control: controlLabel(c) }));
      for (const st of c.settings) {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.value = String(st.value);
        b.textContent = t("ui.settings." + st.name);
        b.title = plainValue(c, st.value);
        b.addEventListener("click", () => { setValue(c, st.value); els.range.value = st.value; changed(c); });
        row.append(b);
      }
      wrap.append(row);
      els.settings = row;
    }
    const help = document.createElement("p");
    help.className = "help";
    help.id = helpId;
    help.textContent = controlHelp(c);
    wrap.append(help);
    controlEls[c.id] = els;
    return wrap;
  }

  function renderControls() {
    const box = $("#levers"), adv = $("#levers-advanced"), asm = $("#assumptions");
    box.textContent = ""; adv.textContent = ""; asm.textContent = "";
    for (const side of state.sides) {
      const set = document.createElement("fieldset");
      set.className = "side side-" + side;
      set.id = "side-" + side;
      const legend = document.createElement("legend");
      legend.textContent = t("ui.sides." + side);
      const note = document.createElement("p");
      note.className = "help";
      note.textContent = t("ui.sides_note." + side);
      set.append(legend, note);
      for (const c of state.controls) if (c.side === side && !c.advanced) set.append(renderControl(c));
      box.append(set);
    }
    for (const c of state.controls) if (c.advanced) adv.append(renderControl(c));
    for (const a of state.assumptionControls) asm.append(renderControl(a));
    refreshControls();
  }

  function refreshControls() {
    const all = state.controls.concat(state.assumptionControls);
    for (const c of all) {
      const els = controlEls[c.id], v = getValue(c);
      if (!els) continue;
      const dflt = c.kind === "assumption" ? c.default : state.defaults[c.id];
      els.wrap.classList.toggle("changed", !same(v, dflt));
      els.out.textContent = displayValue(c, v);
      if (els.check) els.check.checked = c.type === "year" ? v != null : !!v;
      if (els.range) {
        if (v != null && Number(els.range.value) !== v) els.range.value = v;
        els.range.disabled = c.type === "year" && v == null;
        els.range.setAttribute("aria-valuetext", els.out.textContent);
      }
      if (els.select) els.select.value = v == null ? "" : v;
      if (els.settings) els.settings.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(same(Number(b.dataset.value), v))));
    }
    $("#policy-start").value = state.start;
    $("#out-policy-start").textContent = String(state.start);
    const n = changedCount();
    let note = n ? t("ui.changes_some", { n: n }) : t("ui.changes_none");
    if (state.noShock) note = t("ui.no_shock_note") + " " + note;
    $("#changes").textContent = note;
    const lc = state.lastChange, c = lc && all.find((x) => x.id === lc.id);
    $("#last-change").textContent = c ? t("ui.last_change", { control: controlLabel(c), before: plainValue(c, lc.before),
      after: plainValue(c, lc.after) }) : "";
  }

  // The stage a control acts on: the first stage it names, or the representative stage
  // of the chain it names; the current stage stays when it is among them.
  function stageOf(c) {
    const v = getValue(c);
    if (c.option_names === "stages" && v) return [v];
    if (c.option_names === "chains" && v) return [CHAIN_STAGE[v]];
    const out = [];
    for (const p of (c.add || [])) {
      for (const s of [].concat(p.stages || [], p.chains || [], p.chain ? [p.chain] : [])) {
        if (s !== "{value}" && s !== "{start}") out.push(s);
      }
    }
    return out;
  }
  function followStage(c) {
    const targets = stageOf(c);
    if (!targets.length) return;
    const here = state.stage, chainOfHere = here.split(".")[0];
    if (targets.some((s) => s === here || s === chainOfHere)) return;
    const first = targets[0];
    const next = CHAIN_STAGE[first] || first;
    if (next !== here) { state.stage = next; state.stageNote = next; }
  }

  function changed(c) {
    if (c) followStage(c);
    refreshControls();
    writeURL();
    if ($("#auto").checked) schedule();
  }
  function schedule() {
    clearTimeout(state.timer);
    // the results are stale from the change on, not only once the run starts
    $("#panel-race").classList.add("busy");
    $("#panel-race").setAttribute("aria-busy", "true");
    state.timer = setTimeout(run, DEBOUNCE_MS);
  }

  function selectScenario(name) {
    const sc = state.scenarios.find((s) => s.name === name) || state.scenarios[0];
    state.scenario = sc.name;
    state.defaults = Object.assign({}, sc.controls);
    state.values = Object.assign({}, sc.controls);
    state.assumptions = {};
    for (const a of state.assumptionControls) state.assumptions[a.id] = a.default;
    state.start = 2026;
    state.lastChange = null;
    state.pending = {};
    state.noShock = sc.shocks === 0;
    if (state.noShock) state.values.decoupling = 2026;
    $("#scenario").value = sc.name;
    $("#scenario-desc").textContent = state.lang === "vi" && sc.description_vi ? sc.description_vi : sc.description;
    state.previous = null;
    renderControls();
  }

  // --- the scenario in the address: #s={"sc":..., "v":{changed controls}, "a":..., ...} ----
  function snapshot() {
    const v = {};
    for (const c of state.controls) if (isChanged(c)) v[c.id] = state.values[c.id];
    const out = { sc: state.scenario, l: state.lang };
    if (Object.keys(v).length) out.v = v;
    const a = changedAssumptions();
    if (Object.keys(a).length) out.a = a;
    if (state.start !== 2026) out.st = state.start;
    if (state.bands) out.b = 1;
    if (state.stage) out.g = state.stage;
    return out;
  }
  function writeURL() {
    const hash = "#s=" + encodeURIComponent(JSON.stringify(snapshot()));
    if (location.hash !== hash) history.replaceState(null, "", location.pathname + location.search + hash);
  }
  function readURL() {
    const m = /^#s=(.*)$/.exec(location.hash);
    if (!m) return null;
    try {
      const s = JSON.parse(decodeURIComponent(m[1]));
      return s && typeof s === "object" ? s : null;
    } catch (e) { return null; }
  }
  // applies what it recognises and ignores the rest (an old or edited link still opens)
  function applySnapshot(s) {
    if (typeof s.sc === "string" && state.scenarios.some((x) => x.name === s.sc)) selectScenario(s.sc);
    const ok = (c, v) => {
      if (c.type === "toggle") return typeof v === "boolean";
      if (c.type === "choice") return v === null || (c.options || []).some((o) => o.value === v);
      if (c.type === "year" && v === null) return true;
      return typeof v === "number" && v >= c.min && v <= c.max;
    };
    if (s.v && typeof s.v === "object") {
      for (const c of state.controls) if (c.id in s.v && ok(c, s.v[c.id])) state.values[c.id] = s.v[c.id];
    }
    if (s.a && typeof s.a === "object") {
      for (const c of state.assumptionControls) if (c.id in s.a && ok(c, s.a[c.id])) state.assumptions[c.id] = s.a[c.id];
    }
    if (Number.isInteger(s.st) && s.st >= 2025 && s.st <= 2040) state.start = s.st;
    state.bands = s.b === 1;
    $("#bands").checked = state.bands;
    if (typeof s.g === "string") state.stage = s.g;
    renderControls();
  }

  // --- running -------------------------------------------------------------------------
  async function run() {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.inflight) state.inflight.abort();
    const ctrl = new AbortController();
    state.inflight = ctrl;
    $("#run").disabled = true;
    $("#panel-race").classList.add("busy");
    setStatus(t("ui.running"));
    writeURL();
    try {
      const body = JSON.stringify(buildRequest());
      state.pending = {};
      const res = await getJSON("/api/race", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: body, signal: ctrl.signal,
      });
      if (state.result && state.result.request.scenario === res.request.scenario && body !== state.lastBody) state.previous = state.result;
      state.lastBody = body;
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
        if (!state.timer) {
          $("#panel-race").classList.remove("busy");
          $("#panel-race").removeAttribute("aria-busy");
        }
      }
    }
  }

  async function download(url, body, fallbackName) {
    setStatus(t("ui.downloading"));
    try {
      const resp = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!resp.ok) {
        let msg = resp.status + " " + resp.statusText;
        try { msg = (await resp.json()).error || msg; } catch (e) { /* not JSON */ }
        throw new Error(msg);
      }
      const blob = await resp.blob();
      const m = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
      const name = m ? m[1] : fallbackName;
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      setStatus(t("ui.downloaded", { file: name }));
    } catch (err) {
      setStatus(err instanceof TypeError ? t("ui.network_error") : t("ui.error", { message: err.message }), true);
    }
  }

  // --- the answer in words -------------------------------------------------------------
  // Per chain, the stage that recovers last decides: a year once every stage is back.
  function chainAnswer(summary, chain, imp, exp, info) {
    const sub = summary.substitution_years[imp], red = summary.redirection_years[exp];
    const stages = Object.keys(sub).filter((st) => ((info[st] || {}).chain || st.split(".")[0]) === chain);
    const last = (table) => {
      let worst = 0, done = 0;
      for (const st of stages) {
        const v = table[st];
        if (v == null) worst = null; else { done++; if (worst != null && v > worst) worst = v; }
      }
      return { year: worst == null ? null : summary.shock_year + worst, done: done, n: stages.length };
    };
    return { sub: last(sub), red: last(red) };
  }
  function answerText(a, imp, exp, end, chain) {
    const f = { importer: economyName(imp), exporter: economyName(exp), end_year: end };
    const sub = a.sub.year != null ? t("ui.answer_sub_yes", Object.assign({ year: a.sub.year }, f))
      : t("ui.answer_sub_no", Object.assign({ done: a.sub.done, n: a.sub.n }, f));
    const red = a.red.year != null ? t("ui.answer_red_yes", Object.assign({ year: a.red.year }, f))
      : t("ui.answer_red_no", Object.assign({ done: a.red.done, n: a.red.n }, f));
    return t("ui.answer_chain", { chain: chainName(chain), sub: sub, red: red });
  }
  function renderAnswers() {
    const r = state.result, s = r.summary, imp = r.importer, exp = r.exporter;
    const p = state.previous;
    const box = $("#answers");
    box.textContent = "";
    const chains = Object.keys(s.verdict);
    const count = { us: 0, cn: 0, none: 0 };
    for (const chain of chains) {
      const w = s.verdict[chain].winner;
      if (w === imp) count.us++; else if (w === exp) count.cn++; else count.none++;
    }
    const race = document.createElement("li");
    race.className = "answer-race";
    race.id = "answer-race";
    const fields = { importer: economyName(imp), exporter: economyName(exp), us: count.us, cn: count.cn, none: count.none,
      n: chains.length, end_year: s.end_year };
    race.textContent = count.none ? t("ui.answer_race", fields) : t("ui.answer_race_ahead", fields);
    box.append(race);
    for (const chain of chains) {
      const li = document.createElement("li");
      li.dataset.chain = chain;
      const a = chainAnswer(s, chain, imp, exp, r.stage_info);
      const text = answerText(a, imp, exp, s.end_year, chain);
      li.append(document.createTextNode(text));
      if (p) {
        const before = answerText(chainAnswer(p.summary, chain, p.importer, p.exporter, p.stage_info), p.importer, p.exporter,
          p.summary.end_year, chain);
        if (before !== text) {
          const mark = document.createElement("span");
          mark.className = "moved";
          // a year, or how many stages were back by the horizon
          const yrs = (x) => (x.year != null ? String(x.year) : `${x.done}/${x.n}`);
          const pa = chainAnswer(p.summary, chain, p.importer, p.exporter, p.stage_info);
          mark.textContent = " " + t("ui.answer_before", { value: yrs(pa.sub) + " / " + yrs(pa.red) });
          li.append(mark);
          li.classList.add("changed");
        }
      }
      box.append(li);
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

  // series: [{name, values, color, dash (reference path), dot (previous run), area, band: {lo, hi}}]
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
    const drawOrder = opts.series.filter((s) => s.dash || s.dot).concat(opts.series.filter((s) => !s.dash && !s.dot));
    for (const s of drawOrder) {
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
      const line = el("path", { d: path(s.values), fill: "none", stroke: s.color,
        "stroke-width": s.dash ? 1.6 : s.dot ? 1.5 : 2.4, "stroke-dasharray": s.dash ? "5 4" : s.dot ? "1.5 3" : "none",
        opacity: s.dash ? 0.75 : s.dot ? 0.9 : 1, "stroke-linejoin": "round" }, svg);
      line.dataset.kind = s.dash ? "reference" : s.dot ? "previous" : "current";
    }
    // hover / keyboard cursor
    const cursor = el("line", { y1: T, y2: H - B, stroke: "#1f2933", "stroke-width": 1, visibility: "hidden" }, svg);
    const solid = opts.series.filter((s) => !s.dash && !s.dot);
    const dots = solid.map((s) => el("circle", { r: 3.5, fill: s.color, visibility: "hidden" }, svg));
    const hit = el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "transparent" }, svg);
    box.append(svg);
    box.tabIndex = 0;
    box.setAttribute("aria-label", opts.label);
    let at = -1;
    const tip = $("#tooltip");
    function show(i, cx, cy) {
      at = Math.max(0, Math.min(years.length - 1, i));
      cursor.setAttribute("x1", x(at)); cursor.setAttribute("x2", x(at)); cursor.setAttribute("visibility", "visible");
      solid.forEach((s, k) => {
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
        if (s.dot) sw.className = "dot";
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
    const prev = state.previous && state.previous.series.stages[st];
    const nI = economyName(imp), nE = economyName(exp), nS = stageName(st);
    const ref = t("ui.reference_path"), before = t("ui.previous_run");
    const band = (e) => (ser.bands ? { lo: d.capacity_p05[e], hi: d.capacity_p95[e] } : null);
    const lastYear = String(s.end_year);
    const unit = unitName(info.unit), priceUnit = unitName(info.price_unit);
    // each chart: this run (solid), the reference path (dashed), the previous run (dotted)
    const lines = (key, refKey, who) => {
      const out = [];
      for (const [e, color, name] of who) {
        out.push({ name: name, values: d[key][e], color: color, band: key === "capacity" ? band(e) : null });
      }
      for (const [e, color, name] of who) {
        if (d[refKey] && d[refKey][e]) out.push({ name: `${name}, ${ref}`, values: d[refKey][e], color: color, dash: true });
      }
      if (prev) {
        for (const [e, color, name] of who) {
          if (prev[key] && prev[key][e]) out.push({ name: `${name}, ${before}`, values: prev[key][e], color: color, dot: true });
        }
      }
      return out;
    };
    const both = [[imp, US, nI], [exp, CN, nE]];

    let fig = $("#fig-capacity");
    setCaption(fig, `${t("ui.chart_capacity")}: ${nS}`, t("ui.chart_capacity_caption", { unit: unit }));
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => compact(v),
      label: `${t("ui.chart_capacity")}, ${nS}: ${nI} ${compact(d.capacity[imp].at(-1) || 0)}, ${nE} ${compact(d.capacity[exp].at(-1) || 0)} ${unit} (${lastYear})`,
      series: lines("capacity", "capacity_without_shock", both),
    });

    fig = $("#fig-cost");
    const gap = s.cost_gap[st] || {};
    const ratio = gap[lastYear];
    setCaption(fig, `${t("ui.chart_cost")}: ${nS}`, t("ui.chart_cost_caption", { unit: priceUnit, importer: nI, exporter: nE,
      year: lastYear, ratio: ratio == null ? "–" : num(ratio, 2) }) + " " + t("ui.with_reference_note"));
    const costDigits = (v) => (v === 0 || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 1 ? 2 : 3);
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => num(v, costDigits(v)),
      label: `${t("ui.chart_cost")}, ${nS}, ${priceUnit}`,
      series: lines("unit_cost", "unit_cost_reference", both),
    });

    fig = $("#fig-unmet");
    setCaption(fig, `${t("ui.chart_unmet", { importer: nI })}: ${nS}`, t("ui.chart_unmet_caption", { importer: nI }) + " " + t("ui.with_reference_note"));
    const unmetLines = lines("unmet_share", "unmet_share_reference", [[imp, US, nI]]);
    unmetLines[0].area = true;
    let peak = 0;
    for (const l of unmetLines) for (const v of l.values) if (v != null && v > peak) peak = v;
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => pct(v, v > 0 && v < 0.1 ? 1 : 0),
      fixedMax: peak > 0 ? Math.min(1, niceMax(peak * 1.1)) : 0.1,
      label: `${t("ui.chart_unmet", { importer: nI })}, ${nS}: ${pct(Math.max(0, ...d.unmet_share[imp].filter((v) => v != null)), 1)}`,
      series: unmetLines,
    });

    fig = $("#fig-sufficiency");
    setCaption(fig, `${t("ui.chart_sufficiency")}: ${nS}`, t("ui.chart_sufficiency_caption") + " " + t("ui.with_reference_note"));
    lineChart(fig, {
      years: ser.years, shockYear: s.shock_year, format: (v) => pct(v), refLine: 1, yMax: 1,
      label: `${t("ui.chart_sufficiency")}, ${nS}`,
      series: lines("self_sufficiency", "self_sufficiency_reference", both),
    });
    $("#stage-note").textContent = state.stageNote === st ? t("ui.stage_switched", { stage: nS }) : "";
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
    renderAnswers();
    renderVerdict();
    renderStageSelect();
    renderCharts();
    writeURL();
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
    writeURL();
    if (!$("#panel-siting").hidden) loadSite();
  }

  async function start() {
    let fromURL = null;
    try {
      const [strings, scen, levers] = await Promise.all([
        getJSON("/api/strings"), getJSON("/api/scenarios"), getJSON("/api/levers"),
      ]);
      state.strings = strings;
      state.scenarios = scen.scenarios;
      state.controls = levers.controls;
      state.sides = levers.sides;
      state.assumptionControls = levers.assumptions.map((a) => Object.assign({ kind: "assumption", unit: "x", display_scale: 1 }, a));
      fromURL = readURL();
      let saved = null;
      try { saved = localStorage.getItem("buildrace.lang"); } catch (e) { saved = null; }
      const wanted = (fromURL && fromURL.l) || new URLSearchParams(location.search).get("lang") || saved;
      if (wanted && strings.languages.includes(wanted)) state.lang = wanted;
      const sel = $("#scenario");
      for (const s of state.scenarios) {
        const o = document.createElement("option");
        o.value = s.name;
        sel.append(o);
      }
      applyStrings();
      selectScenario(scen.default);
      if (fromURL) applySnapshot(fromURL);
      applyStrings();
      renderChainSelect();
    } catch (err) {
      setStatus(err.message, true);
      return;
    }
    $("#scenario").addEventListener("change", (ev) => { selectScenario(ev.target.value); applyStrings(); run(); });
    $("#bands").addEventListener("change", (ev) => { state.bands = ev.target.checked; writeURL(); if ($("#auto").checked) schedule(); });
    $("#policy-start").addEventListener("input", (ev) => { $("#out-policy-start").textContent = ev.target.value; });
    $("#policy-start").addEventListener("change", (ev) => {
      state.start = Number(ev.target.value);
      changed(null);
    });
    $("#run").addEventListener("click", run);
    $("#reset").addEventListener("click", () => { selectScenario(state.scenario); run(); });
    $("#stage").addEventListener("change", (ev) => { state.stage = ev.target.value; state.stageNote = null; renderCharts(); writeURL(); });
    $("#chain").addEventListener("change", (ev) => { state.chain = ev.target.value; loadSite(); });
    $("#dl-csv").addEventListener("click", () => download("/api/race.csv", buildRequest(), "buildrace.csv"));
    $("#dl-report").addEventListener("click", () => download("/api/report.html", Object.assign(buildRequest(), { lang: state.lang }), "buildrace.html"));
    $("#copy-link").addEventListener("click", async () => {
      writeURL();
      try { await navigator.clipboard.writeText(location.href); } catch (e) { /* no clipboard: the address bar holds it */ }
      setStatus(t("ui.link_copied"));
    });
    window.addEventListener("hashchange", () => {
      const s = readURL();
      if (!s) return;
      if (s.l && s.l !== state.lang && state.strings.languages.includes(s.l)) state.lang = s.l;
      applySnapshot(s);
      applyStrings();
      run();
    });
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
