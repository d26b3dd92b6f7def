// alssim explorer: the page's controls, its state in the URL, and charts drawn as SVG from the
// JSON of POST /api/whatif (docs/SERVE.md). No library, nothing fetched from elsewhere.
"use strict";

// Okabe-Ito: distinguishable with every common colour-vision deficiency.
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];
const SVGNS = "http://www.w3.org/2000/svg";
const MAX_ARMS = 4;
const MAX_DRUGS = 4;
let DRUGS = [];
let lastResult = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function fmt(x, digits = 1) {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}

// ---- controls ---------------------------------------------------------------------------

let idCounter = 0;
const nextId = (p) => `${p}-${++idCounter}`;

function numberField(label, cls, value, attrs) {
  const id = nextId(cls);
  const input = el("input", { id, type: "number", class: cls, ...attrs });
  if (value !== undefined && value !== null) input.value = value;
  return [el("label", { for: id, text: label }), input];
}

function drugOptions(select, chosen) {
  for (const d of DRUGS) {
    const o = el("option", { value: d.name, text: `${d.name} (${d.status})` });
    if (d.name === chosen) o.selected = true;
    select.append(o);
  }
}

function addDrug(arm, d = {}) {
  const list = arm.querySelector(".drugs");
  if (list.children.length >= MAX_DRUGS) return;
  const row = el("div", { class: "drug" });
  const sid = nextId("drug");
  const select = el("select", { id: sid, class: "drug-name" });
  drugOptions(select, d.drug || "riluzole");
  select.addEventListener("change", () => showDrug(select.value));
  select.addEventListener("focus", () => showDrug(select.value));
  const remove = el("button", { type: "button", class: "remove-drug", text: "Remove drug" });
  remove.addEventListener("click", () => { row.remove(); refreshArms(); });
  row.append(
    el("div", { class: "row" }, el("label", { for: sid, text: "Drug" }), select, remove),
    el("div", { class: "row" },
      ...numberField("dose (× standard)", "dose", d.dose ?? 1, { min: 0, max: 4, step: 0.25 }),
      ...numberField("adherence (share of doses taken)", "adherence", d.adherence ?? 1, { min: 0, max: 1, step: 0.05 })),
    el("div", { class: "row" },
      ...numberField("starts after (months)", "start-months", d.start_months ?? 0, { min: 0, max: 120, step: 1 }),
      ...numberField("stops after (months; empty: never)", "stop-months", d.stop_months, { min: 0, max: 120, step: 1 })),
    el("div", { class: "row" },
      ...numberField("holidays: months on", "holiday-on", d.holiday_on_months, { min: 0.5, max: 120, step: 0.5 }),
      ...numberField("months off (empty: none)", "holiday-off", d.holiday_off_months, { min: 0.5, max: 120, step: 0.5 })),
  );
  // Taken with food: offered for drugs whose food effect is documented.
  const fid = nextId("food");
  const food = el("input", { id: fid, type: "checkbox", class: "with-food" });
  if (d.with_food) food.checked = true;
  const foodRow = el("div", { class: "row food-row" }, food, el("label", { for: fid, text: "taken with food" }));
  const showFood = () => {
    const x = DRUGS.find((y) => y.name === select.value);
    const has = !!(x && x.exposure && x.exposure.pk && x.exposure.pk.fed_exposure !== null);
    foodRow.style.display = has ? "" : "none";
    if (!has) food.checked = false;
  };
  select.addEventListener("change", showFood);
  showFood();
  row.append(foodRow);
  list.append(row);
  refreshArms();
}

function addArm(a = {}) {
  const arms = $("arms");
  if (arms.children.length >= MAX_ARMS) return;
  const card = el("div", { class: "arm" });
  const nid = nextId("arm-name");
  const name = el("input", { id: nid, type: "text", class: "arm-name", maxlength: 40, pattern: "[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]*", placeholder: "named by its drugs", title: "letters, digits, - _ and ." });
  if (a.name) name.value = a.name;
  const addD = el("button", { type: "button", class: "add-drug", text: "Add a drug" });
  addD.addEventListener("click", () => addDrug(card));
  const remove = el("button", { type: "button", class: "remove-arm", text: "Remove arm" });
  remove.addEventListener("click", () => { card.remove(); refreshArms(); });
  card.append(
    el("h3", { class: "arm-title" }),
    el("div", { class: "row" }, el("label", { for: nid, text: "Name" }), name, addD, remove),
    el("div", { class: "drugs" }),
  );
  arms.append(card);
  for (const d of a.drugs || []) addDrug(card, d);
  refreshArms();
}

function refreshArms() {
  const cards = [...$("arms").children];
  cards.forEach((card, k) => {
    card.style.setProperty("--arm-colour", COLOURS[k]);
    const n = card.querySelectorAll(".drug").length;
    card.querySelector(".arm-title").textContent =
      `Arm ${k + 1}${k === 0 ? " (reference)" : ""}: ${n === 0 ? "untreated" : n === 1 ? "one drug" : `${n} drugs together`}`;
    card.querySelector(".add-drug").disabled = n >= MAX_DRUGS;
    card.querySelector(".remove-arm").disabled = cards.length <= 1;
  });
  $("add-arm").disabled = cards.length >= MAX_ARMS;
}

const numberOrNull = (input) => (input.value.trim() === "" ? null : Number(input.value));

function readForm() {
  const arms = [...$("arms").children].map((card) => {
    const arm = {};
    const name = card.querySelector(".arm-name").value.trim();
    if (name) arm.name = name;
    arm.drugs = [...card.querySelectorAll(".drug")].map((row) => {
      const d = { drug: row.querySelector(".drug-name").value };
      const put = (key, cls) => {
        const v = numberOrNull(row.querySelector(cls));
        if (v !== null) d[key] = v;
      };
      put("dose", ".dose");
      put("adherence", ".adherence");
      put("start_months", ".start-months");
      put("stop_months", ".stop-months");
      put("holiday_on_months", ".holiday-on");
      put("holiday_off_months", ".holiday-off");
      if (row.querySelector(".with-food").checked) d.with_food = true;
      return d;
    });
    return arm;
  });
  return {
    population: $("population").value,
    age_min: numberOrNull($("age-min")),
    age_max: numberOrNull($("age-max")),
    start: $("start").value,
    patients: numberOrNull($("patients")),
    horizon_months: numberOrNull($("horizon")),
    seed: numberOrNull($("seed")),
    arms,
  };
}

function fillForm(r) {
  const set = (id, v) => { if (v !== undefined && v !== null) $(id).value = v; };
  set("population", r.population);
  set("age-min", r.age_min);
  set("age-max", r.age_max);
  set("start", r.start);
  set("patients", r.patients);
  set("horizon", r.horizon_months);
  set("seed", r.seed);
  $("arms").replaceChildren();
  for (const a of (r.arms || []).slice(0, MAX_ARMS)) addArm(a);
  if ($("arms").children.length === 0) addArm({});
}

function showDrug(name) {
  const d = DRUGS.find((x) => x.name === name);
  const box = $("drug-info");
  if (!d) { box.replaceChildren(); return; }
  const effects = el("ul");
  for (const e of d.effects) effects.append(el("li", { text: `${e.target}: ${e.meaning} (at most ${Math.round(e.emax * 100)}%; ${Math.round(e.at_standard_dose * 100)}% at the standard dose)` }));
  const resistance = el("ul");
  for (const r of d.resistance) {
    const after = r.outlasts_drug
      ? `; it turns down the patient's own pathway, so after stopping this mechanism is worse than untreated until it washes out (about ${r.washout_months} months)`
      : `, gone once the drug stops (washing out over about ${r.washout_months} months)`;
    const what = r.lowers_exposure
      ? `${r.mechanism}: up to ${Math.round(r.ceiling * 100)}% of the drug's exposure in the nervous system lost, and with it part of every effect`
      : `${r.mechanism} on ${r.target}: up to ${Math.round(r.ceiling * 100)}% of the effect lost`;
    resistance.append(el("li", { text: `${what}, building up over about ${r.build_up_months} months${after}` }));
  }
  const exposure = [];
  const x = d.exposure;
  if (x) {
    const num = (v) => Number(v.toPrecision(3));
    let plasma = `In the blood ${num(x.plasma)} ${x.unit} at steady state`;
    if (x.pk) {
      plasma += ` (from ${num(x.pk.trough)} to ${num(x.pk.peak)} over each ${x.pk.interval_hours}-hour dosing interval; steady state after about ${num(x.pk.days_to_steady_state)} days)`;
      if (x.pk.fed_exposure !== null) plasma += `; taken with food, ${Math.round(x.pk.fed_exposure * 100)}% of that`;
    }
    exposure.push(el("p", { text: `${plasma}. In the spinal cord and brainstem ${num(x.tissue)} ${x.unit} (ratio ${x.cns_ratio}).` }));
  }
  if (d.resistance.length === 0) resistance.append(el("li", { text: "none in the model" }));
  const sources = el("ul");
  for (const s of d.sources) sources.append(el("li", { text: `${s.key}: ${s.source}` }));
  const only = d.genotypes.length < 6 ? ` It acts only in carriers of: ${d.genotypes.join(", ")}.` : "";
  box.replaceChildren(el("details", { class: "note drug-card", open: "" },
    el("summary", { text: `About ${d.title} (${d.name})` }),
    el("p", { text: `${d.summary} Standard dose: ${d.standard_dose}; regimen: ${d.regimen}; status: ${d.status}.${only}` }),
    ...exposure,
    el("p", { text: "What it does in the model:" }), effects,
    el("p", { text: "Adaptive resistance:" }), resistance,
    el("details", {}, el("summary", { text: "Sources" }), sources)));
}

// ---- state in the URL -------------------------------------------------------------------

function stateFromUrl() {
  const q = new URLSearchParams(location.search).get("q");
  if (!q) return null;
  try { return JSON.parse(q); } catch { return null; }
}

function linkFor(request) {
  const u = new URL(location.href);
  u.search = `?q=${encodeURIComponent(JSON.stringify(request))}`;
  return u.toString();
}

// ---- charts -----------------------------------------------------------------------------

function niceTicks(lo, hi, n = 5) {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

// A line chart: lines [{x, y, colour, label, step, dash}], bands [{x, lo, hi, colour, opacity}].
function chart({ title, kind, xLabel, yLabel, lines = [], bands = [], yMin, yMax, xMax, height = 240, summary }) {
  const W = 420, H = height, L = 48, R = 10, T = 24, B = 36;
  const xs = lines.flatMap((l) => l.x).concat(bands.flatMap((b) => b.x)).filter(Number.isFinite);
  const ys = lines.flatMap((l) => l.y).concat(bands.flatMap((b) => b.lo.concat(b.hi))).filter(Number.isFinite);
  const x0 = 0, x1 = xMax ?? Math.max(1, ...xs);
  let y0 = yMin ?? Math.min(0, ...ys), y1 = yMax ?? Math.max(1e-9, ...ys);
  if (y1 - y0 < 1e-9) y1 = y0 + 1;
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "data-chart": kind });
  s.append(Object.assign(svg("title"), { textContent: summary || title }));
  const t = svg("text", { x: L, y: 15, "font-size": 13, "font-weight": "bold" });
  t.textContent = title;
  s.append(t);
  for (const v of niceTicks(y0, y1, 4)) {
    s.append(svg("line", { x1: L, x2: W - R, y1: sy(v), y2: sy(v), stroke: "#e3e3e3" }));
    const lab = svg("text", { x: L - 4, y: sy(v) + 4, "font-size": 10, "text-anchor": "end" });
    lab.textContent = String(v);
    s.append(lab);
  }
  for (const v of niceTicks(x0, x1, 6)) {
    const lab = svg("text", { x: sx(v), y: H - B + 14, "font-size": 10, "text-anchor": "middle" });
    lab.textContent = String(v);
    s.append(lab);
  }
  s.append(svg("line", { x1: L, x2: L, y1: T, y2: H - B, stroke: "#888" }));
  s.append(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#888" }));
  const xl = svg("text", { x: (L + W - R) / 2, y: H - 4, "font-size": 11, "text-anchor": "middle" });
  xl.textContent = xLabel;
  s.append(xl);
  const yl = svg("text", { x: 11, y: (T + H - B) / 2, "font-size": 11, "text-anchor": "middle", transform: `rotate(-90 11 ${(T + H - B) / 2})` });
  yl.textContent = yLabel;
  s.append(yl);
  for (const b of bands) {
    const up = [], down = [];
    b.x.forEach((x, i) => {
      if (Number.isFinite(b.lo[i]) && Number.isFinite(b.hi[i]) && x <= x1) {
        up.push(`${sx(x)},${sy(b.hi[i])}`);
        down.push(`${sx(x)},${sy(b.lo[i])}`);
      }
    });
    if (up.length > 1) s.append(svg("polygon", { points: up.concat(down.reverse()).join(" "), fill: b.colour, "fill-opacity": b.opacity, class: "band" }));
  }
  for (const l of lines) {
    let d = "", pen = false, prevY = null;
    l.x.forEach((x, i) => {
      const y = l.y[i];
      if (!Number.isFinite(y) || x > x1) { pen = false; return; }
      if (!pen) d += `M${sx(x)},${sy(y)}`;
      else if (l.step) d += `H${sx(x)}V${sy(y)}`;
      else d += `L${sx(x)},${sy(y)}`;
      pen = true; prevY = y;
    });
    if (l.step && prevY !== null && l.xEnd) d += `H${sx(Math.min(l.xEnd, x1))}`;
    if (d) s.append(svg("path", { d, fill: "none", stroke: l.colour, "stroke-width": 2, "stroke-dasharray": l.dash || "none", class: l.cls || "line" }));
  }
  const legend = lines.filter((l) => l.label);
  legend.forEach((l, i) => {
    const y = T + 6 + i * 14;
    s.append(svg("line", { x1: W - R - 120, x2: W - R - 104, y1: y, y2: y, stroke: l.colour, "stroke-width": 3, "stroke-dasharray": l.dash || "none" }));
    const lab = svg("text", { x: W - R - 100, y: y + 4, "font-size": 10 });
    lab.textContent = l.label;
    s.append(lab);
  });
  return el("figure", {}, s);
}

function bars({ title, kind, xLabel, edges, counts, colour, summary }) {
  const lines = [];
  const W = 420, H = 220, L = 48, R = 10, T = 24, B = 36;
  const x0 = edges[0], x1 = edges[edges.length - 1];
  const ymax = Math.max(1, ...counts);
  const sx = (x) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y) => T + (1 - y / ymax) * (H - T - B);
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "data-chart": kind });
  s.append(Object.assign(svg("title"), { textContent: summary || title }));
  const t = svg("text", { x: 4, y: 15, "font-size": 12, "font-weight": "bold" });
  t.textContent = title;
  s.append(t);
  counts.forEach((c, i) => {
    s.append(svg("rect", { x: sx(edges[i]), y: sy(c), width: Math.max(0.5, sx(edges[i + 1]) - sx(edges[i]) - 1), height: sy(0) - sy(c), fill: colour }));
  });
  if (x0 < 0 && x1 > 0) s.append(svg("line", { x1: sx(0), x2: sx(0), y1: T, y2: H - B, stroke: "#333", "stroke-dasharray": "3 3" }));
  for (const v of niceTicks(x0, x1, 6)) {
    const lab = svg("text", { x: sx(v), y: H - B + 14, "font-size": 10, "text-anchor": "middle" });
    lab.textContent = String(v);
    s.append(lab);
  }
  for (const v of niceTicks(0, ymax, 4)) {
    const lab = svg("text", { x: L - 4, y: sy(v) + 4, "font-size": 10, "text-anchor": "end" });
    lab.textContent = String(v);
    s.append(lab);
  }
  s.append(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#888" }));
  const xl = svg("text", { x: (L + W - R) / 2, y: H - 4, "font-size": 11, "text-anchor": "middle" });
  xl.textContent = xLabel;
  s.append(xl);
  void lines;
  return el("figure", {}, s);
}

const DOMAINS = [["bulbar", "Bulbar (speech, saliva, swallowing)"], ["fine_motor", "Fine motor (writing, food, dressing)"],
  ["gross_motor", "Gross motor (bed, walking, stairs)"], ["respiratory", "Breathing (breath, lying flat, support)"]];
const STATES = [["neurons", "Motor neurons alive (share)"], ["aggregate", "TDP-43/SOD1 aggregate"], ["oxidative", "Oxidative stress"],
  ["microglia", "Microglial activation"], ["astrocytes", "Reactive astrocytes"], ["glutamate", "Synaptic glutamate"]];

function medianLines(r, variable) {
  return r.arms.map((a, k) => {
    const q = a.series[variable];
    return q ? { x: q.months, y: q.median, colour: COLOURS[k], label: a.name } : null;
  }).filter(Boolean);
}

function draw(r) {
  const horizon = Math.max(...r.arms.map((a) => (a.series.alsfrs_r ? Math.max(...a.series.alsfrs_r.months) : 0)));
  const xLabel = `months since ${r.visits_from === "enrollment" ? "the start of treatment" : "onset"}`;
  // Key numbers.
  const body = $("key-table").querySelector("tbody");
  body.replaceChildren();
  r.arms.forEach((a, k) => {
    const at12 = a.alsfrs_r_at.find((v) => v.month === 12);
    const ci = a.median_survival_ci[0] !== null || a.median_survival_ci[1] !== null
      ? ` (${fmt(a.median_survival_ci[0])}-${fmt(a.median_survival_ci[1])})` : "";
    const gain = a.paired ? fmt(a.paired.survival_months.mean, 2) : "reference";
    body.append(el("tr", { "data-arm": a.name },
      el("td", {}, el("span", { class: "swatch", "data-colour": COLOURS[k] }), a.name),
      el("td", { text: String(a.patients) }), el("td", { text: String(a.deaths) }),
      el("td", { class: "median", text: `${a.median_survival_text}${ci}` }),
      el("td", { class: "gain", text: gain }),
      el("td", { text: fmt(at12 ? at12.median : null) }), el("td", { text: fmt(a.mean_slope, 2) })));
  });
  body.querySelectorAll(".swatch").forEach((s) => { s.style.background = s.dataset.colour; });
  $("run-note").textContent = `${r.screened} patients screened, ${r.enrolled} enrolled, ${r.failed} could not be simulated; seed ${r.seed}; simulated in ${r.seconds.toFixed(2)} s.`;
  // Fans, one per arm.
  $("fans").replaceChildren(...r.arms.map((a, k) => {
    const q = a.series.alsfrs_r;
    return chart({
      title: `ALSFRS-R: ${a.name}`, kind: "fan", xLabel, yLabel: "ALSFRS-R (0-48)", yMin: 0, yMax: 48, xMax: horizon,
      bands: [{ x: q.months, lo: q.q05, hi: q.q95, colour: COLOURS[k], opacity: 0.15 }, { x: q.months, lo: q.q25, hi: q.q75, colour: COLOURS[k], opacity: 0.3 }],
      lines: [{ x: q.months, y: q.median, colour: COLOURS[k], label: "median" }],
      summary: `ALSFRS-R of arm ${a.name}: median ${fmt(q.median[0])} at the start; the key numbers table gives month 12.`,
    });
  }));
  // Kaplan-Meier.
  const km = r.arms.map((a, k) => ({
    x: a.survival.curve.map((p) => p[0]), y: a.survival.curve.map((p) => p[1]),
    colour: COLOURS[k], label: a.name, step: true, xEnd: horizon, cls: "km",
  }));
  $("survival").replaceChildren(chart({
    title: "Survival (Kaplan-Meier)", kind: "survival", xLabel, yLabel: "share alive without permanent ventilation",
    yMin: 0, yMax: 1, xMax: horizon, lines: km.concat([{ x: [0, horizon], y: [0.5, 0.5], colour: "#999", dash: "4 4" }]), height: 300,
    summary: `Survival per arm; medians: ${r.arms.map((a) => `${a.name} ${a.median_survival_text} months`).join(", ")}.`,
  }));
  const risk = $("at-risk");
  risk.querySelector("thead").replaceChildren(el("tr", {}, el("th", { scope: "col", text: "months" }),
    ...r.risk_times.map((t) => el("th", { scope: "col", text: String(t) }))));
  risk.querySelector("tbody").replaceChildren(...r.arms.map((a) => el("tr", {}, el("th", { scope: "row", text: a.name }),
    ...a.survival.at_risk.map((n) => el("td", { text: String(n) })))));
  // Domains, markers, mechanisms.
  $("domains").replaceChildren(...DOMAINS.map(([v, title]) => chart({
    title, kind: "domain", xLabel, yLabel: "points (0-12)", yMin: 0, yMax: 12, xMax: horizon, lines: medianLines(r, v),
  })));
  $("markers").replaceChildren(
    chart({ title: "FVC, % predicted (median)", kind: "fvc", xLabel, yLabel: "% predicted", yMin: 0, xMax: horizon, lines: medianLines(r, "fvc_pct") }),
    chart({ title: "Serum NfL, pg/mL (median)", kind: "nfl", xLabel, yLabel: "pg/mL", yMin: 0, xMax: horizon, lines: medianLines(r, "nfl_pg_ml") }));
  $("mechanisms").replaceChildren(...STATES.map(([st, title]) => chart({
    title, kind: "mechanism", xLabel, yLabel: "mean", xMax: horizon,
    lines: r.arms.map((a, k) => (a.states[st] ? { x: a.states[st].months, y: a.states[st].mean, colour: COLOURS[k], label: a.name } : null)).filter(Boolean),
  })));
  const effects = [];
  r.arms.forEach((a, k) => {
    if (a.drug_effects.length === 0) return;
    const dashes = ["none", "6 3", "2 3", "8 3 2 3", "1 2"];
    effects.push(chart({
      title: `What the drugs do: ${a.name}`, kind: "effect", xLabel, yLabel: "change of the target, %", xMax: horizon,
      lines: a.drug_effects.map((e, i) => ({ x: e.months, y: e.change_pct, colour: COLOURS[k], dash: dashes[i % dashes.length], label: e.target })),
    }));
  });
  $("effects").replaceChildren(...(effects.length ? effects : [el("p", { class: "help", text: "No arm takes a drug." })]));
  const benefit = [];
  r.arms.forEach((a, k) => {
    if (!a.paired) return;
    const h = a.paired.survival_months;
    benefit.push(bars({
      title: `${a.name} vs ${r.arms[0].name}: mean ${fmt(h.mean, 2)} months`, kind: "benefit",
      xLabel: "months of survival gained per patient", edges: h.edges, counts: h.counts, colour: COLOURS[k],
      summary: `Survival gained per patient in ${a.name}: mean ${fmt(h.mean, 2)} months over ${h.patients} patients.`,
    }));
  });
  $("benefit").replaceChildren(...(benefit.length ? benefit : [el("p", { class: "help", text: "Add a second arm to see each patient's benefit." })]));
  $("results").hidden = false;
}

// ---- running ----------------------------------------------------------------------------

function setStatus(text, error = false) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

async function run() {
  const request = readForm();
  setStatus("Simulating…");
  $("run").disabled = true;
  document.body.dataset.state = "running";
  try {
    const resp = await fetch("/api/whatif", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
    const body = await resp.json();
    if (!resp.ok) {
      setStatus(`${body.error}: ${(body.problems || []).join("; ")}`, true);
      document.body.dataset.state = "error";
      return;
    }
    lastResult = body;
    draw(body);
    history.replaceState(null, "", linkFor(request));
    const dl = $("download");
    dl.href = `data:application/toml;charset=utf-8,${encodeURIComponent(body.scenario_toml)}`;
    dl.classList.remove("disabled");
    dl.setAttribute("aria-disabled", "false");
    $("copy-link").disabled = false;
    setStatus(`Done: ${body.arms.length} arm${body.arms.length === 1 ? "" : "s"}, ${body.enrolled} patients each, in ${body.seconds.toFixed(2)} s.`);
    document.body.dataset.state = "done";
  } catch (e) {
    setStatus(`The server could not be reached: ${e}`, true);
    document.body.dataset.state = "error";
  } finally {
    $("run").disabled = false;
  }
}

async function start() {
  try {
    DRUGS = await (await fetch("/api/drugs")).json();
  } catch (e) {
    setStatus(`The drug library could not be loaded: ${e}`, true);
    return;
  }
  $("add-arm").addEventListener("click", () => addArm({ drugs: [{ drug: "riluzole" }] }));
  $("controls").addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  $("copy-link").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); setStatus("Link copied: it reproduces this run."); }
    catch { setStatus(`Link: ${location.href}`); }
  });
  const state = stateFromUrl();
  fillForm(state || { arms: [{ name: "untreated" }, { drugs: [{ drug: "riluzole" }] }] });
  const firstDrug = document.querySelector(".drug-name");
  if (firstDrug) showDrug(firstDrug.value);
  // A link ending in #results shows the results alone (for a projector or a screenshot).
  document.body.classList.toggle("results-only", location.hash === "#results");
  document.body.dataset.state = "ready";
  if (state) run();
}

document.addEventListener("DOMContentLoaded", start);
