// Quorum's own charts: choice bars, a scale histogram, a word cloud and the
// profile (diverging bars). SVG for the marks, HTML for the text, CSS
// transitions on transform so bars grow as results frames arrive. Every chart
// carries a text alternative, so a screen reader (or a test reading text)
// gets the numbers.
//
//   ResultsChart({ step, results, size, compact })   size: "phone" | "console" | "screen"
//   ProfileChart({ profile, gaps, size, compact })
//   ShiftSummary({ shifts, size, level })            who moved between paired answers
//   GroupResults({ step, results, size, level, groups })   a result side by side per group
//   ProfileSoFar({ results, size, level })           a scale step's profile, its answered dimensions
//
// level is the heading level of a panel's title (its groups' names one
// below): 4 inside the console's results, 2 on the shared screen. compact
// draws a chart small, among others (a group's): a choice's options by
// letter, the profile's poles above its bars.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./ui.js";
import { letter } from "./kinds.js";

const SIZES = new Set(["phone", "console", "screen"]);
const sizeOf = (size) => (SIZES.has(size) ? size : "console");

/** True one frame after mount: bars render at zero first, then grow. */
function useGrown() {
  const [grown, setGrown] = useState(false);
  useEffect(() => {
    let inner = 0;
    const outer = requestAnimationFrame(() => {
      inner = requestAnimationFrame(() => setGrown(true));
    });
    return () => {
      cancelAnimationFrame(outer);
      cancelAnimationFrame(inner);
    };
  }, []);
  return grown;
}

const reducedMotion = () => Boolean(window.matchMedia?.("(prefers-reduced-motion: reduce)").matches);

/**
 * A count that rolls up to its value on the shared screen, as the bars grow;
 * elsewhere, and under reduced motion, the value at once.
 */
function useRolled(value, roll) {
  const [shown, setShown] = useState(roll && !reducedMotion() ? 0 : value);
  const from = useRef(shown);
  useEffect(() => {
    if (!roll || reducedMotion() || from.current === value) {
      from.current = value;
      setShown(value);
      return undefined;
    }
    const start = performance.now();
    const a = from.current;
    let raf = requestAnimationFrame(function tick(now) {
      const t = Math.min(1, (now - start) / 600);
      const v = Math.round(a + (value - a) * (1 - (1 - t) ** 3));
      from.current = v;
      setShown(v);
      if (t < 1) raf = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(raf);
  }, [value, roll]);
  return shown;
}

/** A number that rolls (on the screen); the text alternatives carry the value itself. */
function Rolled({ value, size, suffix = "" }) {
  return html`${useRolled(value, size === "screen")}${suffix}`;
}

const pct = (count, n) => (n > 0 ? Math.round((count / n) * 100) : 0);
const fmt1 = (x) => (Math.round(x * 10) / 10).toFixed(1);
const fmt2 = (x) => {
  const s = (Math.round(x * 100) / 100).toFixed(2);
  return s.startsWith("-") ? `−${s.slice(1)}` : s;
};
const votes = (n) => `${n} ${n === 1 ? "vote" : "votes"}`;
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** The results of a step, drawn for its kind. */
export function ResultsChart({ step, results, size = "console", compact = false }) {
  size = sizeOf(size);
  if (!results) return null;
  const kind = results.kind || step?.kind;
  switch (kind) {
    case "choice":
      return html`<${ChoiceChart} step=${step} results=${results} size=${size} compact=${compact} />`;
    case "scale":
      return html`<${ScaleChart} step=${step} results=${results} size=${size} compact=${compact} />`;
    case "text":
      return html`<${WordCloud} results=${results} size=${size} />`;
    case "profile":
      return html`<${ProfileChart} profile=${results.profile} gaps=${results.gaps} size=${size} compact=${compact} />`;
    default:
      return null;
  }
}

// ---------------------------------------------------------------- choice

function ChoiceChart({ step, results, size, compact }) {
  const grown = useGrown();
  const options = step?.options || [];
  const counts = results.counts || [];
  const n = results.n ?? counts.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...counts);
  const hasCorrect = typeof results.correct === "number";
  const rows = (options.length ? options : counts.map((_, i) => `Option ${i + 1}`)).map((text, i) => ({
    text,
    count: counts[i] || 0,
    correct: hasCorrect && results.correct === i,
  }));
  const letters = size === "screen";

  return html`<figure class=${`chart chart-${size} chart-choice${hasCorrect ? " has-correct" : ""}${compact ? " is-compact" : ""}`}>
    <figcaption class="visually-hidden">Results, ${votes(n)}</figcaption>
    <ol class="qc-rows">
      ${rows.map((r, i) => html`<li key=${i} class=${`qc-row${r.correct ? " is-correct" : ""}`}>
        ${letters && html`<span class="qc-letter" aria-hidden="true">${letter(i)}</span>`}
        <div class="qc-text">
          ${compact
            ? html`<span class="visually-hidden">${r.text}</span>`
            : html`<span class="qc-opt" title=${r.text}>${r.text}</span>`}<span class="qc-num">${compact ? "" : " — "}<${Rolled} value=${r.count} size=${size} /> (<${Rolled} value=${pct(r.count, n)} size=${size} suffix="%" />)</span>${r.correct &&
            html`<span class="qc-badge"> <span class="qc-check" aria-hidden="true">✓</span>${compact ? html`<span class="visually-hidden"> correct</span>` : " correct"}</span>`}
        </div>
        <svg class="qc-bar" viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false" aria-hidden="true">
          <rect class="qc-track" x="0" y="0" width="100" height="10" />
          <rect class="qc-fill" x="0" y="0" width="100" height="10"
            style=${{ transform: `scaleX(${grown ? r.count / max : 0})` }} />
        </svg>
      </li>`)}
    </ol>
    <p class="chart-n" aria-hidden="true">${votes(n)}</p>
  </figure>`;
}

// ---------------------------------------------------------------- scale

function ScaleChart({ step, results, size, compact }) {
  const grown = useGrown();
  const counts = results.counts || [];
  const points = step?.points || counts.length || 0;
  const n = results.n ?? counts.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...counts);
  const hasMean = n > 0 && typeof results.mean === "number";
  const mean = hasMean ? results.mean : null;
  const sd = hasMean && typeof results.stdDev === "number" ? results.stdDev : null;
  const left = step?.left || "";
  const right = step?.right || "";
  // Point p is the centre of column p: (p - 0.5) / points across the plot.
  const at = (x) => clamp(((x - 0.5) / points) * 100, 0, 100);
  const cols = Array.from({ length: points }, (_, i) => counts[i] || 0);

  const summary = `Results on a scale from 1 (${left}) to ${points} (${right}), ${votes(n)}` +
    (hasMean ? `: mean ${fmt1(mean)}${sd != null ? `, spread ± ${fmt1(sd)}` : ""}.` : ".");

  // The mean and the spread around it sit on a strip of their own under the
  // axis: a line and a band over the bars would cross them and their counts.
  return html`<figure class=${`chart chart-${size} chart-scale${compact ? " is-compact" : ""}`}>
    <figcaption class="visually-hidden">${summary}</figcaption>
    <div class="qs-plot" aria-hidden="true" style=${{ "--points": points }}>
      <div class="qs-cols">
        ${cols.map((c, i) => {
          const f = grown ? c / max : 0;
          return html`<div key=${i} class="qs-col">
            <svg class="qs-bar" viewBox="0 0 10 100" preserveAspectRatio="none" focusable="false">
              <rect class="qs-fill" x="0" y="0" width="10" height="100" style=${{ transform: `scaleY(${f})` }} />
            </svg>
            <span class="qs-count" style=${{ bottom: `${f * 100}%` }}><${Rolled} value=${c} size=${size} /></span>
          </div>`;
        })}
      </div>
    </div>
    <div class="qs-axis" aria-hidden="true" style=${{ "--points": points }}>
      ${cols.map((_, i) => html`<span key=${i}>${i + 1}</span>`)}
    </div>
    ${hasMean && html`<div class="qs-spread" aria-hidden="true">
      ${sd != null && html`<div class="qs-band" style=${{ left: `${at(mean - sd)}%`, width: `${at(mean + sd) - at(mean - sd)}%` }}></div>`}
      <div class=${`qs-mean${at(mean) < 15 ? " qs-mean-start" : at(mean) > 85 ? " qs-mean-end" : ""}`} style=${{ left: `${at(mean)}%` }}>
        <span class="qs-mean-label">mean ${fmt1(mean)}</span>
      </div>
    </div>`}
    ${!compact && html`<div class="qs-poles" aria-hidden="true">
      <span class="qs-pole qs-pole-left" title=${left}>${left}</span>
      <span class="qs-pole qs-pole-right" title=${right}>${right}</span>
    </div>`}
    <p class="chart-n qs-stats" aria-hidden="true">
      ${hasMean && html`<span class="qs-stat-mean">mean ${fmt1(mean)}</span>`}
      ${sd != null && html`<span>spread ± ${fmt1(sd)}</span>`}
      <span>n = ${n}</span>
    </p>
    <div class="visually-hidden"><table>
      <caption>Votes per point</caption>
      <thead><tr><th scope="col">Point</th><th scope="col">Votes</th></tr></thead>
      <tbody>
        ${cols.map((c, i) => html`<tr key=${i}>
          <th scope="row">${i + 1}${i === 0 && left ? ` (${left})` : ""}${i === points - 1 && right ? ` (${right})` : ""}</th>
          <td>${c}</td>
        </tr>`)}
      </tbody>
    </table></div>
  </figure>`;
}

// ---------------------------------------------------------------- text

const CLOUD_LIMIT = { phone: 40, console: 100, screen: 40 };
// The screen shows the most given answers up to about this many characters:
// as many short words as the limit, fewer long answers.
const SCREEN_CHARACTERS = 480;

function shownWords(all, size) {
  const words = all.slice(0, CLOUD_LIMIT[size]);
  if (size !== "screen") return words;
  let budget = SCREEN_CHARACTERS;
  const out = [];
  for (const w of words) {
    budget -= w.text.length + 4; // the count and the gap
    if (out.length && budget < 0) break;
    out.push(w);
  }
  return out;
}

/** The answers, most given first, each with its count; the more given, the bigger. */
function WordCloud({ results, size }) {
  const all = results.words || [];
  const n = results.n ?? 0;
  const words = shownWords(all, size);
  if (!words.length) {
    return html`<figure class=${`chart chart-${size} chart-cloud`}>
      <p class="chart-empty">No answers yet</p>
    </figure>`;
  }
  const counts = words.map((w) => w.count);
  const hi = Math.max(...counts);
  const lo = Math.min(...counts);
  // 1em for the rarest answer, 2.4em for the most given, on a square-root scale.
  const em = (c) => (hi === lo ? (words.length === 1 ? 2.4 : 1.6) : 1 + 1.4 * Math.sqrt((c - lo) / (hi - lo)));
  const more = all.length - words.length;
  // Many answers: a smaller base size so that the list still fits; the
  // screen fits its own (screen.css), never under its floor.
  const base = size === "screen" ? 1 : words.length > 24 ? 0.7 : words.length > 10 ? 0.85 : 1;

  return html`<figure class=${`chart chart-${size} chart-cloud`}>
    <figcaption class="visually-hidden">${`Answers, ${n} in all, most given first.`}</figcaption>
    <ol class="qw-cloud" style=${{ fontSize: `${base}em` }}>
      ${words.map((w, i) => html`<li key=${w.text} class=${`qw-word qw-c${(i % 8) + 1}`} style=${{ fontSize: `${em(w.count).toFixed(2)}em` }}>
        <span class="qw-text">${w.text}</span> <span class="qw-count"><span class="visually-hidden">given </span>${w.count}<span class="visually-hidden">${w.count === 1 ? " time" : " times"}</span></span>
      </li>`)}
    </ol>
    <p class="chart-n" aria-hidden="true">${n} ${n === 1 ? "answer" : "answers"}${more > 0 ? ` · ${more} more not shown` : ""}</p>
  </figure>`;
}

// ---------------------------------------------------------------- profile

const SERIES = [
  { id: "today", label: "Today" },
  { id: "target", label: "Target" },
];

/** The room's profile: one row per dimension, today and target side by side. */
export function ProfileChart({ profile, gaps, size = "console", compact = false }) {
  size = sizeOf(size);
  const grown = useGrown();
  const rows = [];
  const byDim = new Map();
  for (const e of profile || []) {
    let row = byDim.get(e.dimension);
    if (!row) {
      row = { dimension: e.dimension, left: e.left, right: e.right, series: {} };
      byDim.set(e.dimension, row);
      rows.push(row);
    }
    row.series[e.series || "today"] = e;
  }
  // Series other than today and target still get drawn, after them.
  const extra = [...new Set((profile || []).map((e) => e.series || "today"))].filter((s) => !SERIES.some((k) => k.id === s));
  const series = [...SERIES, ...extra.map((id) => ({ id, label: id }))];
  const present = series.filter((s) => rows.some((r) => r.series[s.id]));

  if (!rows.length) {
    return html`<figure class=${`chart chart-${size} chart-profile${compact ? " is-compact" : ""}`}>
      <p class="chart-empty">No profile questions in this agenda</p>
    </figure>`;
  }

  const describe = (row, s) => {
    const e = row.series[s.id];
    if (!e) return null;
    if (!e.n) return `${s.label}: no votes yet`;
    const side = Math.abs(e.mean) < 0.05 ? "balanced" : `leans toward ${e.mean < 0 ? row.left : row.right}`;
    const iqr = typeof e.q1 === "number" ? `, middle half from ${fmt2(e.q1)} to ${fmt2(e.q3)}` : "";
    return `${s.label}: ${side} (${fmt2(e.mean)} on a scale from −1, ${row.left}, to +1, ${row.right})${iqr}, ${votes(e.n)}${e.split ? ", split room" : ""}`;
  };
  const gapOf = new Map((gaps || []).map((g) => [g.dimension, g]));
  const gapText = (row, g) => `${g.from || "today"} → ${g.to}: ${gapSize(row, g)}`;

  return html`<figure class=${`chart chart-${size} chart-profile${compact ? " is-compact" : ""}`}>
    <figcaption class="visually-hidden">Profile of the room: for each dimension, where today and the target lean between the two poles.</figcaption>
    <div class="qp-legend" aria-hidden="true">
      ${present.map((s, i) => html`<span key=${s.id} class=${`qp-key qp-key-${i < 2 ? s.id : "other"}`}>
        <span class="qp-swatch"></span>${s.label}</span>`)}
    </div>
    <ul class="qp-rows" aria-hidden="true">
      ${rows.map((row) => {
        const entries = present.map((s) => row.series[s.id]).filter(Boolean);
        const empty = entries.every((e) => !e.n);
        const lane = 10 / Math.max(1, present.length);
        const split = entries.some((e) => e.split);
        const gap = gapOf.get(row.dimension);
        return html`<li key=${row.dimension} class=${`qp-row${empty ? " is-empty" : ""}${gap?.largest ? " is-largest-gap" : ""}`}>
          <span class="qp-pole qp-pole-left" title=${row.left}>${row.left}</span>
          <div class="qp-plot">
            <svg class="qp-svg" viewBox="-1 0 2 10" preserveAspectRatio="none" focusable="false">
              <line class="qp-grid" x1="-0.5" x2="-0.5" y1="0" y2="10" />
              <line class="qp-grid" x1="0.5" x2="0.5" y1="0" y2="10" />
              ${present.map((s, i) => {
                const e = row.series[s.id];
                if (!e || !e.n) return null;
                const y = i * lane;
                const mid = y + lane / 2;
                // The middle half of the answers; older servers sent only the spread.
                const lo = clamp(typeof e.q1 === "number" ? e.q1 : e.mean - e.spread, -1, 1);
                const hi = clamp(typeof e.q3 === "number" ? e.q3 : e.mean + e.spread, -1, 1);
                const m = grown ? clamp(e.mean, -1, 1) : 0;
                const cls = i < 2 ? s.id : "other";
                return html`<g key=${s.id} class=${`qp-series qp-${cls}`}>
                  <rect class="qp-bar" x="0" y=${y + lane * 0.12} width="1" height=${lane * 0.76}
                    style=${{ transform: `scaleX(${m})` }} />
                  <line class="qp-whisker" x1=${lo} x2=${hi} y1=${mid} y2=${mid} />
                  <line class="qp-cap" x1=${lo} x2=${lo} y1=${mid - lane * 0.22} y2=${mid + lane * 0.22} />
                  <line class="qp-cap" x1=${hi} x2=${hi} y1=${mid - lane * 0.22} y2=${mid + lane * 0.22} />
                  <line class="qp-mean" x1=${clamp(e.mean, -1, 1)} x2=${clamp(e.mean, -1, 1)} y1=${y + lane * 0.05} y2=${y + lane * 0.95} />
                </g>`;
              })}
              <line class="qp-centre" x1="0" x2="0" y1="0" y2="10" />
            </svg>
            ${gap && grown && html`<${GapArrow} from=${row.series[gap.from || "today"]} to=${row.series[gap.to || "today"]} />`}
            ${empty && html`<span class="qp-empty">no votes yet</span>`}
          </div>
          <span class="qp-pole qp-pole-right" title=${row.right}>${row.right}</span>
          <span class="qp-n"><${Caption} text=${compact ? (gap ? gapSize(row, gap) : "") : empty ? "" : [
            ...counted(row, present),
            gap ? gapText(row, gap) : null,
          ].filter(Boolean).join(" · ")} />
            ${split && html` <span class="qp-flag qp-flag-split">${compact ? "split room" : "split room — discuss"}</span>`}
            ${gap?.largest && html` <span class="qp-flag qp-flag-gap">largest gap</span>`}</span>
        </li>`;
      })}
    </ul>
    <div class="visually-hidden"><table>
      <caption>Profile by dimension</caption>
      <thead><tr><th scope="col">Dimension</th>${present.map((s) => html`<th key=${s.id} scope="col">${s.label}</th>`)}<th scope="col">Gap</th></tr></thead>
      <tbody>
        ${rows.map((row) => html`<tr key=${row.dimension}>
          <th scope="row">${row.left} ↔ ${row.right}</th>
          ${present.map((s) => html`<td key=${s.id}>${describe(row, s) || "not asked"}</td>`)}
          <td>${gapOf.get(row.dimension) ? `Gap ${gapText(row, gapOf.get(row.dimension))}${gapOf.get(row.dimension).largest ? " (largest gap)" : ""}` : ""}</td>
        </tr>`)}
      </tbody>
    </table></div>
  </figure>`;
}

/** A profile row's caption. */
function Caption({ text }) {
  return text ? html`<span class="qp-n-text">${text}</span>` : null;
}

/** How many answered each series of a row: "n = 50" when it is the same for all. */
function counted(row, present) {
  const entries = present.map((s) => [s, row.series[s.id]]).filter(([, e]) => e);
  if (entries.length > 1 && entries.every(([, e]) => e.n && e.n === entries[0][1].n)) return [`n = ${entries[0][1].n}`];
  return entries.map(([s, e]) => `${s.label} ${e.n ? `n = ${e.n}` : "no votes yet"}`);
}

/**
 * How far a gap goes, in the scale's own points when its scales share a
 * number of points: "+1.5 points toward Execution"; else on −1…+1.
 */
function gapSize(row, g) {
  if (Math.abs(g.gap) < 0.05) return "no gap";
  const toward = g.gap < 0 ? row.left : row.right;
  if (typeof g.points === "number" && g.points !== 0) {
    const p = Math.abs(g.points);
    return `+${fmt1(p)} ${p === 1 ? "point" : "points"} toward ${toward}`;
  }
  return `${fmt2(Math.abs(g.gap))} toward ${toward}`;
}

/** An arrow from one series' mean to another's (today → target), over the plot. */
function GapArrow({ from, to }) {
  if (!from?.n || !to?.n || Math.abs(to.mean - from.mean) < 0.05) return null;
  // Means in [-1, 1] map to 0–100 % of the plot; the arrow spans the gap.
  return html`<span class=${`qp-gap${to.mean < from.mean ? " to-left" : ""}`} aria-hidden="true"
    style=${{ left: `${(Math.min(from.mean, to.mean) + 1) * 50}%`, width: `${Math.abs(to.mean - from.mean) * 50}%` }}></span>`;
}

// ---------------------------------------------------------------- shifts

/** Who moved between paired answers: counts toward each pole and who stayed. */
export function ShiftSummary({ shifts, size = "console", level = 4 }) {
  size = sizeOf(size);
  if (!shifts?.length) return null;
  return html`<section class=${`qsh qsh-${size}`} aria-label="Who moved">
    <${`h${level}`} class="qsh-title">Who moved</${`h${level}`}>
    <ul class="qsh-rows">
      ${shifts.map((sh) => {
        const total = Math.max(1, sh.paired);
        const text = `${sh.towardLeft} moved toward ${sh.left}, ${sh.stayed} stayed, ${sh.towardRight} moved toward ${sh.right}`;
        return html`<li key=${`${sh.step}-${sh.dimension}-${sh.from}-${sh.to}`} class="qsh-row">
          <p class="qsh-label"><strong>${sh.from || "today"} → ${sh.to}</strong>${sh.step < 0 ? ` · ${sh.left} ↔ ${sh.right}` : ""}</p>
          <div class="qsh-bar" aria-hidden="true">
            <span class="qsh-left" style=${{ flexGrow: sh.towardLeft / total }}>${sh.towardLeft || ""}</span>
            <span class="qsh-stay" style=${{ flexGrow: sh.stayed / total }}>${sh.stayed || ""}</span>
            <span class="qsh-right" style=${{ flexGrow: sh.towardRight / total }}>${sh.towardRight || ""}</span>
          </div>
          <p class="qsh-text">${text} <span class="muted">(${sh.paired} answered both)</span></p>
        </li>`;
      })}
    </ul>
  </section>`;
}

// ---------------------------------------------------------------- groups

const hiddenGroupText = "too few answers to show: groups smaller than the minimum are pooled";

/** A result split by group, side by side; pooled and hidden groups say so. */
export function GroupResults({ step, results, size = "console", level = 4, groups: only, compact = false }) {
  size = sizeOf(size);
  const groups = only || (results?.kind === "profile" ? results.profileGroups : results?.groups);
  if (!groups?.length) return null;
  const Title = `h${level}`;
  const Name = `h${level + 1}`;
  return html`<section class=${`qg qg-${size}`} aria-label="Results by group">
    <${Title} class="qg-title">By group</${Title}>
    <div class=${`qg-grid qg-${groups.length}`}>
      ${groups.map((g) => html`<div key=${g.group} class=${`qg-col${g.hidden ? " is-hidden" : ""}`}>
        <${Name} class="qg-name"><span class="qg-label" title=${g.group}>${g.group}</span>${g.pooled ? html` <span class="muted">(${g.pooled} ${g.pooled === 1 ? "group" : "groups"})</span>` : ""}
          ${!g.hidden && results.kind !== "profile" && html` <span class="muted">n = ${g.n}</span>`}</${Name}>
        ${g.hidden
          ? html`<p class="qg-hidden">${hiddenGroupText}</p>`
          : results.kind === "profile"
            ? html`<${ProfileChart} profile=${g.profile?.entries} gaps=${g.profile?.gaps} size=${size} compact=${compact} />`
            : html`<${ResultsChart} step=${step} results=${{ kind: results.kind, n: g.n, counts: g.counts, mean: g.mean }} size=${size} compact=${compact} />`}
      </div>`)}
    </div>
  </section>`;
}

/** On a scale step with a dimension: the profile as answered so far. */
export function ProfileSoFar({ results, size = "console", level = 4, compact = false }) {
  const answered = new Set((results?.profile || []).filter((e) => e.n > 0).map((e) => e.dimension));
  if (results?.kind !== "scale" || !answered.size) return null;
  const profile = results.profile.filter((e) => answered.has(e.dimension));
  const gaps = (results.gaps || []).filter((g) => answered.has(g.dimension));
  return html`<section class=${`qpf qpf-${sizeOf(size)}`} aria-label="The room's profile so far">
    <${`h${level}`} class="qsh-title">The profile so far</${`h${level}`}>
    <${ProfileChart} profile=${profile} gaps=${gaps} size=${size} compact=${compact} />
  </section>`;
}
