// /host/agendas: the agenda editor. Lists the saved and built-in agendas,
// edits one with every kind of step, moves steps by drag and by keyboard,
// previews a step as the phone and the shared screen show it, and saves it on
// the server, which checks it (docs/agenda.md) and names each problem's field.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, Toasts, useToasts } from "./ui.js";
import { api } from "./api.js";
import { Header as PhoneHeader, StepView as PhoneStep } from "./participant.js";
import { StepView as ScreenStep } from "./screen.js";
import { consoleLink, rememberCreated, saveBlob, slug } from "./hosted.js";
import { isVoting, letter } from "./kinds.js";

const KINDS = {
  info: { label: "Info", article: "an info", about: "A slide to read; no vote." },
  choice: { label: "Choice", article: "a choice", about: "One answer among 2 to 8 options." },
  scale: { label: "Scale", article: "a scale", about: "A point between two poles, on 5 or 7 points." },
  text: { label: "Text", article: "a text", about: "A short free answer; the answers make a word cloud." },
  profile: { label: "Profile", article: "a profile", about: "Where the room stands on every scale that has a dimension." },
};
// The limits of docs/agenda.md that stop typing; the server checks them all.
const MAX = { title: 200, body: 2000, notes: 4000, label: 80, segment: 40, series: 20, dimension: 40, options: 8, segments: 12, steps: 200 };
const stepsLabel = (n) => `${n} ${n === 1 ? "step" : "steps"}`;
const untitled = (s) => s.title.trim() || "Untitled step";

// ---------------------------------------------------------------- the draft

let lastKey = 0;
const newKey = () => `s${++lastKey}`;

/** A step as the editor holds it: each field as its form control shows it. */
function emptyStep(kind) {
  return { key: newKey(), kind, title: "", body: "", notes: "", options: [], correct: "", left: "", right: "", points: "", dimension: "", series: "", maxLength: "", autoReveal: "", extra: {} };
}

function newStep(kind) {
  const s = emptyStep(kind);
  if (kind === "choice") s.options = ["", ""];
  if (kind === "scale") s.points = "5";
  return s;
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isTextList = (v) => Array.isArray(v) && v.every((x) => typeof x === "string");
const TEXT_FIELDS = ["kind", "title", "body", "notes", "left", "right", "dimension", "series", "autoReveal"];
const WHOLE_FIELDS = ["correct", "points", "maxLength"];

/**
 * A step of a document, for the editor. A field the editor has no control
 * for, or a value of the wrong type, stays as it is in extra and goes back on
 * save, so that the server says what is wrong with it.
 */
function stepFrom(doc) {
  const s = emptyStep("");
  if (!isObject(doc)) return { ...s, raw: doc };
  for (const [name, value] of Object.entries(doc)) {
    if (TEXT_FIELDS.includes(name) && typeof value === "string") s[name] = value;
    else if (WHOLE_FIELDS.includes(name) && Number.isInteger(value)) s[name] = String(value);
    else if (name === "options" && isTextList(value)) s.options = [...value];
    else s.extra[name] = value;
  }
  return s;
}

/** An agenda document, for the editor; id is the saved agenda's, if any. */
function draftFrom(doc, id = "") {
  const d = { id, title: "", segments: [], steps: [], extra: {} };
  for (const [name, value] of Object.entries(doc)) {
    if (name === "title" && typeof value === "string") d.title = value;
    else if (name === "segments" && isTextList(value)) d.segments = [...value];
    else if (name === "steps" && Array.isArray(value)) d.steps = value.map(stepFrom);
    else if (name !== "id") d.extra[name] = value; // the id is the server's to give
  }
  return d;
}

/** A whole number as typed; anything else goes as typed, for the server to refuse. */
function putWhole(out, name, text) {
  const v = String(text).trim();
  if (v !== "") out[name] = /^-?\d+$/.test(v) ? Number(v) : v;
}

function stepDocument(s) {
  if ("raw" in s) return s.raw;
  const out = { kind: s.kind, title: s.title };
  if (s.body) out.body = s.body;
  if (s.notes) out.notes = s.notes;
  if (s.kind === "choice") {
    out.options = s.options;
    putWhole(out, "correct", s.correct);
  } else if (s.kind === "scale") {
    out.left = s.left;
    out.right = s.right;
    putWhole(out, "points", s.points);
    if (s.dimension) out.dimension = s.dimension;
    if (s.series) out.series = s.series;
  } else if (s.kind === "text") {
    putWhole(out, "maxLength", s.maxLength);
  }
  if (isVoting(s.kind) && s.autoReveal) out.autoReveal = s.autoReveal;
  return { ...out, ...s.extra };
}

/** The agenda document a draft stands for, as it is saved and downloaded. */
function documentOf(d) {
  const doc = { title: d.title };
  if (d.segments.length) doc.segments = d.segments;
  doc.steps = d.steps.map(stepDocument);
  return { ...doc, ...d.extra };
}

function without(obj, ...names) {
  if (!names.some((n) => n in obj)) return obj;
  const out = { ...obj };
  for (const n of names) delete out[n];
  return out;
}

const copyTitle = (title) => `Copy of ${title}`.slice(0, MAX.title);

// ---------------------------------------------------------------- problems

/**
 * Gives each problem the server reported its step, by key rather than by
 * index, so that it stays with its step when steps move: {key, field, message}.
 */
function placeProblems(problems, keys) {
  return problems.map((p) => {
    const m = /^steps\[(\d+)\](?:\.(.+))?$/.exec(p.path || "");
    if (m && keys[Number(m[1])]) return { key: keys[Number(m[1])], field: m[2] || "", message: p.message };
    return { key: "", field: p.path || "", message: p.message };
  });
}

/** What the editor tells at once: required fields left empty. The server checks the rest on save. */
function hintsOf(d) {
  const out = [];
  const add = (key, field, message) => out.push({ key, field, message });
  if (!d.title.trim()) add("", "title", "Give the agenda a title.");
  d.segments.forEach((s, i) => !s.trim() && add("", `segments[${i}]`, "Name the group, or remove it."));
  if (!d.steps.length) add("", "steps", "Add at least one step.");
  for (const s of d.steps) {
    if ("raw" in s) continue;
    if (!s.title.trim()) add(s.key, "title", "Every step needs a title.");
    if (s.kind === "choice") {
      if (s.options.length < 2) add(s.key, "options", "A choice needs at least 2 options.");
      s.options.forEach((o, i) => !o.trim() && add(s.key, `options[${i}]`, "Write the option, or remove it."));
    }
    if (s.kind === "scale") {
      if (!s.left.trim()) add(s.key, "left", "Name the left pole.");
      if (!s.right.trim()) add(s.key, "right", "Name the right pole.");
    }
  }
  return out;
}

const FIELD_LABELS = {
  title: "Title", body: "Text", notes: "Facilitator notes", kind: "Kind", options: "Options", correct: "Right answer",
  left: "Left pole", right: "Right pole", points: "Points", dimension: "Dimension", series: "Series",
  maxLength: "Longest answer", autoReveal: "Reveal", segments: "Groups", steps: "Steps",
};

function fieldLabel(field) {
  const m = /^(\w+)\[(\d+)\]$/.exec(field);
  if (m && m[1] === "options") return `Option ${letter(Number(m[2]))}`;
  if (m && m[1] === "segments") return `Group ${Number(m[2]) + 1}`;
  return FIELD_LABELS[field] || field;
}

/** The id of the control that shows a field, to focus it. */
function controlId(key, field) {
  const [, list, i = "0"] = /^(options|segments)(?:\[(\d+)\])?$/.exec(field) || [];
  if (list) return `${list === "options" ? "step-option" : "segment"}-${i}`;
  if (!key) return { title: "agenda-title", steps: "add-step" }[field] || "";
  return field ? `step-${field}` : `step-item-${key}`;
}

// The fields each kind shows; a problem with any other goes above the form.
const KIND_FIELDS = {
  choice: ["options", "correct", "autoReveal"],
  scale: ["left", "right", "points", "dimension", "series", "autoReveal"],
  text: ["maxLength", "autoReveal"],
};
function fieldShown(kind, field) {
  const base = field.replace(/\[\d+\]$/, "");
  return ["kind", "title", "body", "notes"].includes(base) || (KIND_FIELDS[kind] || []).includes(base);
}

// ---------------------------------------------------------------- files

/** Reads an agenda file; throws an Error to show when it is not a JSON object. */
async function readAgendaFile(file) {
  let text;
  try {
    text = await file.text();
  } catch {
    throw new Error(`“${file.name}” could not be read.`);
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`“${file.name}” is not valid JSON: ${err.message}`);
  }
  if (!isObject(doc)) throw new Error(`“${file.name}” is not an agenda: it should hold one JSON object with a title and steps.`);
  return doc;
}

function downloadAgenda(doc) {
  const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: "application/json" });
  const filename = `${slug(doc.title || "agenda")}.json`;
  saveBlob(blob, filename);
  return filename;
}

function UploadButton({ label, onFile }) {
  return html`<label class="button ed-upload">
    ${label}
    <input type="file" accept=".json,application/json" class="visually-hidden"
      onChange=${(e) => {
        const f = e.target.files && e.target.files[0];
        e.target.value = "";
        if (f) onFile(f);
      }} />
  </label>`;
}

// ---------------------------------------------------------------- the host password

/**
 * Writes with the host password once one is known. On "unauthorized" it asks
 * for the password and tries again when given; the write's promise waits,
 * and rejects if the host cancels.
 */
function usePasswordWrites() {
  const [asking, setAsking] = useState(null); // {retry, cancel, wrong}
  const password = useRef("");
  const write = (method, path, body) =>
    new Promise((resolve, reject) => {
      const returnFocus = document.activeElement;
      let asked = false;
      const attempt = async () => {
        try {
          // Reads send the password as a bearer, writes in their body.
          const res =
            method === "GET"
              ? await api(method, path, undefined, password.current)
              : await api(method, path, password.current ? { ...body, password: password.current } : body);
          setAsking(null);
          if (asked && returnFocus?.isConnected) returnFocus.focus();
          resolve(res);
        } catch (err) {
          if (err.code !== "unauthorized") {
            setAsking(null);
            reject(err);
            return;
          }
          asked = true;
          setAsking({
            wrong: Boolean(password.current),
            retry: (pw) => {
              password.current = pw;
              attempt();
            },
            cancel: () => {
              setAsking(null);
              returnFocus?.focus?.();
              reject(err);
            },
          });
        }
      };
      attempt();
    });
  const prompt = asking && html`<${PasswordPrompt} asking=${asking} />`;
  return [write, prompt];
}

function PasswordPrompt({ asking }) {
  const [value, setValue] = useState("");
  const [empty, setEmpty] = useState(false);
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), [asking]);
  const submit = (e) => {
    e.preventDefault();
    if (!value) {
      setEmpty(true);
      ref.current?.focus();
      return;
    }
    asking.retry(value);
  };
  const problem = empty ? "Enter the host password." : asking.wrong ? "That password is not right. Try again." : "";
  return html`<form class="ed-password card" onSubmit=${submit} novalidate>
    <div class="field">
      <label for="host-password">Host password</label>
      <input id="host-password" ref=${ref} type="password" autocomplete="current-password" value=${value}
        onInput=${(e) => { setValue(e.target.value); setEmpty(false); }}
        aria-invalid=${problem ? "true" : undefined} aria-describedby=${problem ? "password-hint password-problem" : "password-hint"} />
      <div id="password-hint" class="field-hint">This server asks for the host password to read and change the agendas saved on it.</div>
      ${problem && html`<div id="password-problem" class="field-error" role="alert">${problem}</div>`}
    </div>
    <div class="ed-row">
      <button type="submit" class="primary">Continue</button>
      <button type="button" onClick=${asking.cancel}>Cancel</button>
    </div>
  </form>`;
}

// ---------------------------------------------------------------- the list

function AgendaItem({ a, onEdit, onCopy, onDownload, onDelete }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const keepRef = useRef(null);
  useEffect(() => {
    if (confirming) keepRef.current?.focus();
  }, [confirming]);
  const tid = `agenda-${a.id}`;
  const remove = async () => {
    setBusy(true);
    if (!(await onDelete(a))) {
      setBusy(false);
      setConfirming(false);
    }
  };
  return html`<li class="ed-item" aria-labelledby=${tid}>
    <div class="ed-item-head">
      <h3 id=${tid} class="ed-item-title">${a.title}</h3>
      <span class="ed-item-meta">${a.builtin ? "Built-in · " : ""}${stepsLabel(a.steps)}</span>
    </div>
    ${confirming
      ? html`<div class="ed-confirm" role="group" aria-labelledby=${`${tid}-confirm`}>
          <p id=${`${tid}-confirm`}>Delete “${a.title}”? Sessions created from it keep their own copy.</p>
          <button type="button" class="danger" disabled=${busy} onClick=${remove}>Delete agenda</button>
          <button type="button" ref=${keepRef} onClick=${() => setConfirming(false)}>Keep it</button>
        </div>`
      : html`<div class="ed-item-actions">
          ${a.builtin
            ? html`<button type="button" class="primary" aria-describedby=${tid} onClick=${() => onCopy(a)}>Edit a copy</button>`
            : html`<button type="button" class="primary" aria-describedby=${tid} onClick=${() => onEdit(a)}>Edit</button>
                <button type="button" aria-describedby=${tid} onClick=${() => onCopy(a)}>Duplicate</button>`}
          <button type="button" aria-describedby=${tid} onClick=${() => onDownload(a)}>Download</button>
          ${!a.builtin && html`<button type="button" class="danger ed-delete" aria-describedby=${tid} onClick=${() => setConfirming(true)}>Delete</button>`}
        </div>`}
  </li>`;
}

function AgendaList({ list, error, reload, onNew, onUpload, ...actions }) {
  const saved = (list || []).filter((a) => !a.builtin);
  const builtins = (list || []).filter((a) => a.builtin);
  return html`<main class="ed-list-page">
    <h1>Agendas</h1>
    <p class="muted">Build the plan of a workshop step by step, preview it as phones and the shared screen show it, and save it on this
      server to host sessions from it.</p>
    <div class="ed-row ed-start">
      <button type="button" class="primary" onClick=${onNew}>New agenda</button>
      ${builtins[0] && html`<button type="button" onClick=${() => actions.onCopy(builtins[0])}>Start from a copy of the built-in agenda</button>`}
      <${UploadButton} label="Upload agenda JSON" onFile=${onUpload} />
    </div>
    ${list === null && html`<p class="muted" role="status">Loading the agendas…</p>`}
    ${error && html`<div class="field-error" role="alert">${error} <button type="button" class="link-button" onClick=${reload}>Try again</button></div>`}
    ${list &&
    html`<section aria-labelledby="saved-title">
        <h2 id="saved-title" tabindex="-1">Saved on this server</h2>
        ${saved.length
          ? html`<ul class="ed-items">${saved.map((a) => html`<${AgendaItem} key=${a.id} a=${a} ...${actions} />`)}</ul>`
          : html`<p class="muted">No saved agendas yet. Start a new one, or from a copy of the built-in agenda.</p>`}
      </section>
      <section aria-labelledby="builtin-title">
        <h2 id="builtin-title">Built-in</h2>
        <ul class="ed-items">${builtins.map((a) => html`<${AgendaItem} key=${a.id} a=${a} ...${actions} />`)}</ul>
      </section>`}
  </main>`;
}

// ---------------------------------------------------------------- form pieces

/** Near its limit (the last fifth), a text says how much room is left. */
const nearLimit = (value, max) => Boolean(max) && value.length >= max * 0.8;

/** "183 / 200 characters", for a text near its limit. */
function Counter({ id, value, max }) {
  const full = value.length >= max;
  return html`<div id=${id} class=${`ed-count${full ? " is-full" : ""}`}>
    ${value.length} / ${max} characters${full ? ": the limit" : ""}
  </div>`;
}

/** A labelled text control with its problem, hint and counter, tied together for screen readers. */
function TextField({ id, label, value, onChange, onBlur, problem, hint, max, rows, placeholder, inputMode }) {
  const counted = nearLimit(value, max);
  const described = [problem && `${id}-problem`, hint && `${id}-hint`, counted && `${id}-count`].filter(Boolean).join(" ") || undefined;
  const props = {
    id,
    value,
    maxlength: max,
    placeholder,
    onBlur,
    onInput: (e) => onChange(e.target.value),
    "aria-invalid": problem ? "true" : undefined,
    "aria-describedby": described,
  };
  return html`<div class=${`field${problem ? " has-problem" : ""}`}>
    <label for=${id}>${label}</label>
    ${rows ? html`<textarea rows=${rows} ...${props}></textarea>` : html`<input type="text" inputmode=${inputMode} autocomplete="off" ...${props} />`}
    ${problem && html`<div id=${`${id}-problem`} class="field-error">${problem}</div>`}
    ${counted && html`<${Counter} id=${`${id}-count`} value=${value} max=${max} />`}
    ${hint && html`<div id=${`${id}-hint`} class="field-hint">${hint}</div>`}
  </div>`;
}

/** A list of one-line texts (options, groups), each with its remove button. */
function TextList({ legend, idPrefix, items, max, limit, name, problemAt, listProblem, onChange, onBlur, addLabel, hint }) {
  const set = (i, v) => onChange(items.map((x, j) => (j === i ? v : x)), `[${i}]`);
  const remove = (i) => onChange(items.filter((_, j) => j !== i), "", i);
  return html`<fieldset class=${`ed-list-field${listProblem ? " has-problem" : ""}`}>
    <legend>${legend}</legend>
    ${hint && html`<p class="field-hint">${hint}</p>`}
    ${listProblem && html`<p class="field-error">${listProblem}</p>`}
    <ol class="ed-text-list">
      ${items.map((v, i) => {
        const id = `${idPrefix}-${i}`;
        const problem = problemAt(i);
        const counted = nearLimit(v, max);
        const described = [problem && `${id}-problem`, counted && `${id}-count`].filter(Boolean).join(" ") || undefined;
        return html`<li key=${i}>
          <div class="ed-text-row">
            <label for=${id}>${name(i)}</label>
            <input id=${id} type="text" value=${v} maxlength=${max} autocomplete="off"
              onInput=${(e) => set(i, e.target.value)} onBlur=${() => onBlur(`[${i}]`)}
              aria-invalid=${problem ? "true" : undefined} aria-describedby=${described} />
            <button type="button" class="ed-icon" aria-label=${`Remove ${name(i)}`} onClick=${() => remove(i)}>✕</button>
          </div>
          ${problem && html`<div id=${`${id}-problem`} class="field-error">${problem}</div>`}
          ${counted && html`<${Counter} id=${`${id}-count`} value=${v} max=${max} />`}
        </li>`;
      })}
    </ol>
    <button type="button" disabled=${items.length >= limit} onClick=${() => onChange([...items, ""], "", -1)}>${addLabel}</button>
  </fieldset>`;
}

// ---------------------------------------------------------------- the step's form

function StepForm({ step, index, count, problemAt, otherProblems, update, changeKind, blur, dropExtra }) {
  const field = (name, label, more = {}) => html`<${TextField} id=${`step-${name}`} label=${label} value=${step[name]}
    problem=${problemAt(name)} onChange=${(v) => update({ [name]: v })} onBlur=${() => blur(name)} ...${more} />`;
  const kinds = Object.keys(KINDS).includes(step.kind) ? Object.keys(KINDS) : [step.kind, ...Object.keys(KINDS)];

  const setOptions = (options, sub, removed) => {
    let correct = step.correct;
    if (removed >= 0 && correct !== "") {
      const c = Number(correct);
      correct = c === removed ? "" : c > removed ? String(c - 1) : correct;
    }
    update({ options, correct }, removed === undefined ? `options${sub}` : "options");
  };

  return html`<section class="ed-step-form card" aria-labelledby="step-form-title">
    <h2 id="step-form-title">Step ${index + 1} of ${count}: ${untitled(step)}</h2>
    ${otherProblems.length > 0 &&
    html`<ul class="ed-step-problems field-error">
      ${otherProblems.map((p, i) => html`<li key=${i}>
        ${p.field ? html`<code>${p.field}</code>: ` : ""}${p.message}
        ${p.field in step.extra && html` <button type="button" class="link-button" onClick=${() => dropExtra(p.field)}>Remove “${p.field}”</button>`}
      </li>`)}
    </ul>`}
    ${"raw" in step && html`<p class="field-error">In the file this step is not an object. Edit any field to start it over.</p>`}
    <div class=${`field${problemAt("kind") ? " has-problem" : ""}`}>
      <label for="step-kind">Kind</label>
      <select id="step-kind" value=${step.kind} onChange=${(e) => changeKind(e.target.value)}
        aria-describedby=${problemAt("kind") ? "step-kind-problem step-kind-hint" : "step-kind-hint"}>
        ${kinds.map((k) => html`<option key=${k} value=${k}>${KINDS[k] ? KINDS[k].label : `“${k}” (not a kind)`}</option>`)}
      </select>
      ${problemAt("kind") && html`<div id="step-kind-problem" class="field-error">${problemAt("kind")}</div>`}
      <div id="step-kind-hint" class="field-hint">${KINDS[step.kind]?.about || "Choose what this step asks of the room."}</div>
    </div>
    ${field("title", "Step title", { max: MAX.title, hint: "What the room reads; about 70 characters reads well from the back." })}
    ${field("body", "Text", { max: MAX.body, rows: 3, hint: "Optional. Shown on the screen and the phones; a blank line starts a new paragraph." })}

    ${step.kind === "choice" &&
    html`<${TextList} legend="Options" idPrefix="step-option" items=${step.options} max=${MAX.label} limit=${MAX.options}
        name=${(i) => `Option ${letter(i)}`} addLabel="Add an option" hint="2 to 8 options, each different."
        problemAt=${(i) => problemAt(`options[${i}]`)} listProblem=${problemAt("options")}
        onChange=${setOptions} onBlur=${(sub) => blur(`options${sub}`)} />
      <div class=${`field${problemAt("correct") ? " has-problem" : ""}`}>
        <label for="step-correct">Right answer</label>
        <select id="step-correct" value=${step.correct} onChange=${(e) => update({ correct: e.target.value })}
          aria-describedby=${problemAt("correct") ? "step-correct-problem step-correct-hint" : "step-correct-hint"}>
          <option value="">None: an opinion poll</option>
          ${step.options.map((o, i) => html`<option key=${i} value=${String(i)}>${letter(i)}: ${o || "(empty)"}</option>`)}
          ${step.correct !== "" && !(Number(step.correct) in step.options) && html`<option value=${step.correct}>${step.correct} (no such option)</option>`}
        </select>
        ${problemAt("correct") && html`<div id="step-correct-problem" class="field-error">${problemAt("correct")}</div>`}
        <div id="step-correct-hint" class="field-hint">Shown after the reveal, on the screen and on every phone.</div>
      </div>`}

    ${step.kind === "scale" &&
    html`<div class="ed-pair">
        ${field("left", "Left pole", { max: MAX.label, hint: "Point 1." })}
        ${field("right", "Right pole", { max: MAX.label, hint: "The last point." })}
      </div>
      <div class=${`field${problemAt("points") ? " has-problem" : ""}`}>
        <label for="step-points">Points</label>
        <select id="step-points" value=${step.points} onChange=${(e) => update({ points: e.target.value })}
          aria-describedby=${problemAt("points") ? "step-points-problem" : undefined}>
          ${!["5", "7"].includes(step.points) && html`<option value=${step.points}>${step.points || "Choose"}</option>`}
          <option value="5">5</option>
          <option value="7">7</option>
        </select>
        ${problemAt("points") && html`<div id="step-points-problem" class="field-error">${problemAt("points")}</div>`}
      </div>
      ${field("dimension", "Dimension", { max: MAX.dimension, placeholder: "vision-execution",
        hint: "Optional. Puts the scale on the profile: lower-case letters, digits and single dashes." })}
      ${field("series", "Series", { max: MAX.series, placeholder: "today",
        hint: "Optional, with a dimension: one of several measures of it, such as today and target." })}`}

    ${step.kind === "text" &&
    field("maxLength", "Longest answer", { inputMode: "numeric", placeholder: "80", hint: "In characters, 1 to 80; 80 when left empty." })}

    ${isVoting(step.kind) &&
    html`<div class=${`field${problemAt("autoReveal") ? " has-problem" : ""}`}>
        <label for="step-autoReveal">Reveal the results</label>
        <select id="step-autoReveal" value=${step.autoReveal} onChange=${(e) => update({ autoReveal: e.target.value })}
          aria-describedby=${problemAt("autoReveal") ? "step-autoReveal-problem step-autoReveal-hint" : "step-autoReveal-hint"}>
          ${!["", "all-voted", "timer"].includes(step.autoReveal) && html`<option value=${step.autoReveal}>${step.autoReveal}</option>`}
          <option value="">By hand (R in the console)</option>
          <option value="all-voted">When everyone connected has voted</option>
          <option value="timer">When the timer ends</option>
        </select>
        ${problemAt("autoReveal") && html`<div id="step-autoReveal-problem" class="field-error">${problemAt("autoReveal")}</div>`}
        <div id="step-autoReveal-hint" class="field-hint">The console can change it during the session.</div>
      </div>`}

    ${field("notes", "Facilitator notes", { max: MAX.notes, rows: 3, hint: "Optional. Only you see them, in the console." })}
  </section>`;
}

// ---------------------------------------------------------------- preview

/** Made-up results in the shape the server sends, to preview the charts. */
function exampleResults(draft, step) {
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  switch (step.kind) {
    case "choice": {
      const counts = step.options.map((_, i) => [5, 3, 8, 2, 4, 6, 1, 7][i % 8]);
      const correct = /^\d+$/.test(step.correct) ? Number(step.correct) : undefined;
      return { kind: "choice", counts, n: sum(counts), correct };
    }
    case "scale": {
      const counts = step.points === "7" ? [1, 2, 4, 6, 4, 2, 1] : [1, 3, 6, 4, 2];
      const n = sum(counts);
      const mean = sum(counts.map((c, i) => c * (i + 1))) / n;
      const stdDev = Math.sqrt(sum(counts.map((c, i) => c * (i + 1 - mean) ** 2)) / n);
      return { kind: "scale", counts, n, mean, stdDev };
    }
    case "text":
      return { kind: "text", n: 10, words: [{ text: "Listen more", count: 4 }, { text: "Trust", count: 3 }, { text: "Clear goals", count: 2 }, { text: "Focus", count: 1 }] };
    case "profile": {
      const seen = new Set();
      const profile = [];
      for (const s of draft.steps) {
        const id = `${s.dimension}/${s.series}`;
        if (s.kind !== "scale" || !s.dimension || seen.has(id)) continue;
        seen.add(id);
        profile.push({ dimension: s.dimension, series: s.series, left: s.left, right: s.right, mean: profile.length % 2 ? 0.4 : -0.3, spread: 0.35, n: 12 });
      }
      return { kind: "profile", profile };
    }
    default:
      return null;
  }
}

/**
 * What useLive would give a phone and the screen on this step: voting open,
 * or closed and revealed with made-up results. Nobody is connected.
 */
function previewLive(draft, step, index, results) {
  const n = results?.n ?? 0;
  const shown = {
    index,
    kind: step.kind,
    title: untitled(step),
    body: step.body,
    options: step.kind === "choice" ? step.options.map((o, i) => o || `Option ${letter(i)}`) : undefined,
    left: step.left,
    right: step.right,
    points: step.points === "7" ? 7 : 5,
    maxLength: Number(step.maxLength) || 80,
    voting: !isVoting(step.kind) ? "pending" : results ? "closed" : "open",
    revealed: Boolean(results),
    round: 1,
  };
  const session = { id: "", code: "12345678", title: draft.title || "Untitled agenda", status: "live", currentStep: index, stepCount: draft.steps.length, settings: {} };
  const state = { session, step: shown, counts: { joined: n, connected: n, voted: n, notVoted: 0 }, results: results && { ...results, step: index, round: 1 } };
  return { status: "open", state, myVotes: {}, reactions: [] };
}

const noConnection = { current: null };

/** The phone, with participant.js's own components. */
function PhonePreview({ live }) {
  return html`<div class="p-page">
    <${PhoneHeader} live=${live} state=${live.state} title=${live.state.session.title} />
    <div class="p-main"><${PhoneStep} live=${live} conn=${noConnection} idPrefix="preview-" /></div>
  </div>`;
}

/** Keeps a 1280×720 projector view scaled to the width of its frame. */
function useScaleToWidth(width) {
  const ref = useRef(null);
  const [scale, setScale] = useState(0.3);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver !== "function") return undefined;
    const ro = new ResizeObserver(() => setScale(el.clientWidth / width));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, scale];
}

function Preview({ draft, step, index }) {
  const [showResults, setShowResults] = useState(false);
  const [frameRef, scale] = useScaleToWidth(1280);
  const live = previewLive(draft, step, index, showResults ? exampleResults(draft, step) : null);
  return html`<section class="ed-preview card" aria-labelledby="preview-title">
    <div class="ed-preview-head">
      <h2 id="preview-title">Preview</h2>
      <div class="ed-toggle" role="group" aria-label="Preview shows">
        <button type="button" aria-pressed=${showResults ? "false" : "true"} onClick=${() => setShowResults(false)}>Voting</button>
        <button type="button" aria-pressed=${showResults ? "true" : "false"} onClick=${() => setShowResults(true)}
          disabled=${step.kind === "info"}>Results</button>
      </div>
    </div>
    ${showResults && step.kind !== "info" && html`<p class="field-hint">With made-up votes.</p>`}
    <div class="ed-previews">
      <figure class="ed-figure">
        <figcaption>Phone</figcaption>
        <div class="ed-phone" inert>
          <${PhonePreview} live=${live} />
        </div>
      </figure>
      <figure class="ed-figure">
        <figcaption>Shared screen</figcaption>
        <div class="ed-screen-frame" ref=${frameRef}>
          <div class="ed-screen" inert style=${{ zoom: String(scale) }}>
            <${ScreenStep} state=${live.state} live=${live} landmark="div" />
          </div>
        </div>
      </figure>
    </div>
  </section>`;
}

// ---------------------------------------------------------------- the steps

function StepList({ draft, selected, problemKeys, select, move, duplicate, remove }) {
  const [drag, setDrag] = useState(null); // {key, over, after}
  const steps = draft.steps;
  const lastItem = steps.length - 1;
  const dropAfter = (e) => {
    const r = e.currentTarget.getBoundingClientRect();
    return e.clientY > r.top + r.height / 2;
  };
  const onKeyDown = (e, i) => {
    if (!e.altKey || e.ctrlKey || e.metaKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
    e.preventDefault();
    move(i, e.key === "ArrowUp" ? i - 1 : i + 1, e.target.id);
  };
  return html`<ol class="ed-steps" aria-label="Steps">
    ${steps.map((s, i) => {
      const dropping = drag && drag.over === s.key && drag.key !== s.key;
      const cls = ["ed-step", selected === s.key && "is-selected", drag?.key === s.key && "is-dragging",
        dropping && (drag.after ? "drop-after" : "drop-before")].filter(Boolean).join(" ");
      return html`<li key=${s.key} class=${cls} draggable="true"
        onKeyDown=${(e) => onKeyDown(e, i)}
        onDragStart=${(e) => {
          e.dataTransfer.effectAllowed = "move";
          e.dataTransfer.setData("text/plain", untitled(s));
          setDrag({ key: s.key });
        }}
        onDragOver=${(e) => {
          if (!drag) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = "move";
          const after = dropAfter(e);
          if (drag.over !== s.key || drag.after !== after) setDrag({ ...drag, over: s.key, after });
        }}
        onDrop=${(e) => {
          e.preventDefault();
          if (!drag) return;
          const from = steps.findIndex((x) => x.key === drag.key);
          let to = i + (dropAfter(e) ? 1 : 0);
          if (from < to) to -= 1;
          setDrag(null);
          move(from, to, `step-item-${drag.key}`);
        }}
        onDragEnd=${() => setDrag(null)}>
        <span class="ed-grip" aria-hidden="true"></span>
        <button type="button" class="ed-step-select" id=${`step-item-${s.key}`} aria-current=${selected === s.key ? "step" : undefined}
          aria-describedby="reorder-help" onClick=${() => select(s.key)}>
          <span class="ed-step-no">${i + 1}</span>
          <span class=${`ed-kind ed-kind-${KINDS[s.kind] ? s.kind : "unknown"}`}>${KINDS[s.kind]?.label || "?"}</span>
          <span class="ed-step-title">${untitled(s)}</span>
          ${problemKeys.has(s.key) && html`<span class="ed-flag">needs a fix</span>`}
        </button>
        ${selected === s.key &&
        html`<span class="ed-step-tools">
          <button type="button" class="ed-icon" id=${`step-up-${s.key}`} aria-label=${`Move step ${i + 1} up`} disabled=${i === 0}
            onClick=${() => move(i, i - 1, `step-up-${s.key}`)}>↑</button>
          <button type="button" class="ed-icon" id=${`step-down-${s.key}`} aria-label=${`Move step ${i + 1} down`} disabled=${i === lastItem}
            onClick=${() => move(i, i + 1, `step-down-${s.key}`)}>↓</button>
          <button type="button" class="ed-icon" aria-label=${`Duplicate step ${i + 1}`} disabled=${steps.length >= MAX.steps}
            onClick=${() => duplicate(i)}><span class="ed-copy" aria-hidden="true"></span></button>
          <button type="button" class="ed-icon danger" aria-label=${`Remove step ${i + 1}`} onClick=${() => remove(i)}>✕</button>
        </span>`}
      </li>`;
    })}
  </ol>`;
}

// ---------------------------------------------------------------- the editor

function LeaveConfirm({ onLeave, onStay }) {
  const stay = useRef(null);
  useEffect(() => stay.current?.focus(), []);
  return html`<div class="ed-confirm ed-leave" role="alertdialog" aria-labelledby="leave-text">
    <p id="leave-text">Leave without saving? The changes to this agenda are lost.</p>
    <button type="button" class="danger" onClick=${onLeave}>Leave without saving</button>
    <button type="button" ref=${stay} onClick=${onStay}>Keep editing</button>
  </div>`;
}

function Editor({ start, write, toast, onClose, onSaved }) {
  const [draft, setDraft] = useState(start.draft);
  const [savedJSON, setSavedJSON] = useState(start.savedJSON);
  const [selected, setSelected] = useState(start.draft.steps[0]?.key || "");
  const [problems, setProblems] = useState([]); // the server's, placed by placeProblems
  const [failure, setFailure] = useState(""); // a refusal that is not about a field
  const [touched, setTouched] = useState(() => new Set());
  const [submitted, setSubmitted] = useState(start.submitted);
  const [busy, setBusy] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [announce, setAnnounce] = useState("");
  const focusNext = useRef(null); // ids to focus after the next render, the first that can be
  const [, rerender] = useState(0);
  const focusSoon = (...ids) => {
    focusNext.current = ids;
    rerender((n) => n + 1);
  };
  const summaryRef = useRef(null);
  const formRef = useRef(null);

  const doc = documentOf(draft);
  const dirty = JSON.stringify(doc) !== savedJSON;
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  useEffect(() => {
    const warn = (e) => {
      if (!dirtyRef.current) return;
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);
  useEffect(() => {
    const ids = focusNext.current;
    focusNext.current = null;
    for (const id of ids || []) {
      const el = id && document.getElementById(id);
      if (el && !el.disabled) {
        el.focus();
        return;
      }
    }
  });

  // Problems: the editor's own hint once the field was left or a save was
  // tried (it says what to do: "Give the agenda a title."), else the
  // server's for the field.
  const hints = hintsOf(draft);
  const live = problems.filter((p) => !p.key || draft.steps.some((s) => s.key === p.key));
  const problemAt = (key, field) => {
    const h = hints.find((x) => x.key === key && x.field === field);
    if (h && (submitted || touched.has(`${key}|${field}`))) return h.message;
    return live.find((x) => x.key === key && x.field === field)?.message || "";
  };
  const blur = (key, field) => !touched.has(`${key}|${field}`) && setTouched(new Set(touched).add(`${key}|${field}`));
  const clearProblems = (key, field) =>
    setProblems((ps) => ps.filter((p) => p.key !== key || (field !== null && p.field !== field && !p.field.startsWith(`${field}[`))));

  const index = draft.steps.findIndex((s) => s.key === selected);
  const step = draft.steps[index];
  const problemKeys = new Set([...live.map((p) => p.key), ...(submitted ? hints.map((h) => h.key) : [])].filter(Boolean));

  // ------------------------------------------------------------ changes
  const setAgenda = (name, value, field = name) => {
    setDraft((d) => ({ ...d, [name]: value, extra: without(d.extra, name) }));
    clearProblems("", field);
  };
  const update = (key, patch, field = Object.keys(patch)[0]) => {
    setDraft((d) => ({
      ...d,
      steps: d.steps.map((s) => {
        if (s.key !== key) return s;
        const { raw, ...rest } = s; // an edit starts a step that was not an object over
        return { ...rest, ...patch, extra: without(s.extra, ...Object.keys(patch)) };
      }),
    }));
    clearProblems(key, field);
  };
  const changeKind = (kind) => {
    const fresh = newStep(kind);
    const s = step;
    update(s.key, { kind, options: s.options.length ? s.options : fresh.options, points: s.points || fresh.points });
    clearProblems(s.key, null);
  };
  const setSteps = (steps, say, focus) => {
    setDraft((d) => ({ ...d, steps, extra: without(d.extra, "steps") }));
    setAnnounce(say);
    focusSoon(...focus);
  };
  const move = (from, to, focusId) => {
    if (to < 0 || to >= draft.steps.length || from === to) return;
    const steps = [...draft.steps];
    const [s] = steps.splice(from, 1);
    steps.splice(to, 0, s);
    setSteps(steps, `“${untitled(s)}” moved to position ${to + 1} of ${steps.length}.`, [focusId, `step-item-${s.key}`]);
  };
  const addStep = (kind) => {
    const s = newStep(kind);
    const at = index >= 0 ? index + 1 : draft.steps.length;
    const steps = [...draft.steps];
    steps.splice(at, 0, s);
    setSelected(s.key);
    clearProblems("", "steps");
    setSteps(steps, `Added ${KINDS[kind].article} step at position ${at + 1}.`, ["step-title"]);
  };
  const duplicate = (i) => {
    const copy = { ...structuredClone(draft.steps[i]), key: newKey() };
    const steps = [...draft.steps];
    steps.splice(i + 1, 0, copy);
    setSelected(copy.key);
    setSteps(steps, `Step ${i + 1} duplicated as step ${i + 2}.`, [`step-item-${copy.key}`]);
  };
  const remove = (i) => {
    const steps = draft.steps.filter((_, j) => j !== i);
    const next = steps[Math.min(i, steps.length - 1)];
    if (draft.steps[i].key === selected) setSelected(next ? next.key : "");
    setSteps(steps, `Step ${i + 1}, “${untitled(draft.steps[i])}”, removed.`, [next && `step-item-${next.key}`, "add-step"]);
  };
  const select = (key) => {
    setSelected(key);
    // In one column the form is below the list: bring it up.
    if (formRef.current && matchMedia("(max-width: 759px)").matches) setTimeout(() => formRef.current?.scrollIntoView({ block: "start" }), 0);
  };

  // ------------------------------------------------------------ files and saving
  const upload = async (file) => {
    try {
      const d = draftFrom(await readAgendaFile(file), draft.id);
      setDraft(d);
      setSelected(d.steps[0]?.key || "");
      setProblems([]);
      setFailure("");
      setSubmitted(true);
      toast(`Loaded “${file.name}”. Save to keep it.`, "info");
    } catch (err) {
      setFailure(err.message);
    }
  };
  const download = () => toast(`Downloaded ${downloadAgenda(doc)}`, "info");

  /** Saves the agenda; the server's answer, or null if it was refused. */
  const save = async () => {
    if (busy) return null;
    setSubmitted(true);
    setFailure("");
    setBusy(true);
    const keys = draft.steps.map((s) => s.key);
    const sent = JSON.stringify(doc);
    try {
      const res = draft.id
        ? await write("PUT", `/api/agendas/${encodeURIComponent(draft.id)}`, { agenda: doc })
        : await write("POST", "/api/agendas", { agenda: doc });
      setDraft((d) => ({ ...d, id: res.id }));
      setSavedJSON(sent);
      dirtyRef.current = false; // before a run leaves the page; the next render says again
      setProblems([]);
      toast(`Saved “${res.title}”.`, "info");
      onSaved(res);
      return res;
    } catch (err) {
      if (err.code === "invalid_agenda") {
        setProblems(placeProblems(err.problems.length ? err.problems : [{ path: "", message: err.message }], keys));
        setTimeout(() => summaryRef.current?.focus(), 0);
      } else if (err.code === "agenda_not_found") {
        setDraft((d) => ({ ...d, id: "" }));
        setFailure("This agenda was deleted on the server meanwhile. Save again to keep it as a new one.");
      } else if (err.code !== "unauthorized") {
        setFailure(err.message);
      }
      return null;
    } finally {
      setBusy(false);
    }
  };

  // A session runs the saved agenda: unsaved changes are saved first. Its
  // console opens in this tab, as from the host page (answers anonymous).
  const run = async () => {
    if (busy) return;
    const saved = dirty || !draft.id ? await save() : { id: draft.id, title: draft.title };
    if (!saved) return;
    setBusy(true);
    try {
      const created = await write("POST", "/api/sessions", { agenda: saved.id });
      rememberCreated(created, saved.title);
      location.assign(created.urls?.host || consoleLink(created));
    } catch (err) {
      setBusy(false);
      if (err.code === "invalid_agenda") setFailure(err.message);
      else if (err.code !== "unauthorized") setFailure(`The session could not be created: ${err.message}`);
    }
  };

  const goTo = (p) => {
    if (p.key) setSelected(p.key);
    focusSoon(controlId(p.key, p.field), p.key && `step-item-${p.key}`);
  };
  const leave = () => (dirty ? setLeaving(true) : onClose());

  const describe = (p) => {
    if (!p.key) return p.field ? fieldLabel(p.field) : "The agenda";
    const i = draft.steps.findIndex((s) => s.key === p.key);
    return `Step ${i + 1}${p.field ? `, ${fieldLabel(p.field)}` : ""}`;
  };
  const stepProblems = step ? live.filter((p) => p.key === step.key && !fieldShown(step.kind, p.field)) : [];

  return html`<main class="ed-editor">
    <div class="ed-toolbar">
      <button type="button" class="ed-back" onClick=${leave}>All agendas</button>
      <span class=${`ed-status${dirty ? " is-dirty" : ""}`} role="status">${dirty ? "Unsaved changes" : draft.id ? "Saved" : "Not saved yet"}</span>
      <span class="ed-toolbar-actions">
        <button type="button" class="primary" onClick=${save} disabled=${busy}>${busy ? "Saving…" : "Save"}</button>
        <button type="button" onClick=${run} disabled=${busy || draft.steps.length === 0}
          title=${dirty || !draft.id ? "Saves the agenda, then creates a session of it and opens its console" : "Creates a session of it and opens its console"}>Run this agenda</button>
        <button type="button" onClick=${download}>Download JSON</button>
        <${UploadButton} label="Upload JSON" onFile=${upload} />
      </span>
    </div>
    ${leaving && html`<${LeaveConfirm} onLeave=${onClose} onStay=${() => setLeaving(false)} />`}
    <h1>${draft.id ? "Edit agenda" : "New agenda"}</h1>
    ${failure && html`<div class="ed-failure field-error" role="alert">${failure}</div>`}
    ${live.length > 0 &&
    html`<div class="ed-problems" role="alert" tabindex="-1" ref=${summaryRef}>
      <h2>${live.length === 1 ? "This agenda has a problem" : `This agenda has ${live.length} problems`}</h2>
      <ul>
        ${live.map((p, i) => html`<li key=${i}>
          <button type="button" class="link-button" onClick=${() => goTo(p)}>${describe(p)}</button>: ${p.message}
        </li>`)}
      </ul>
    </div>`}

    <div class="ed-grid">
      <div class="ed-side">
      <section class="ed-agenda card" aria-labelledby="agenda-fields-title">
        <h2 id="agenda-fields-title" class="visually-hidden">The agenda</h2>
        <${TextField} id="agenda-title" label="Agenda title" value=${draft.title} max=${MAX.title} placeholder="Sprint retro"
          problem=${problemAt("", "title")} onChange=${(v) => setAgenda("title", v)} onBlur=${() => blur("", "title")}
          hint="A session takes it as its title unless you give another." />
        <${TextList} legend="Groups (optional)" idPrefix="segment" items=${draft.segments} max=${MAX.segment} limit=${MAX.segments}
          name=${(i) => `Group ${i + 1}`} addLabel="Add a group" hint="People may pick one when they join, so that results can be told apart."
          problemAt=${(i) => problemAt("", `segments[${i}]`)} listProblem=${problemAt("", "segments")}
          onChange=${(segments, sub) => setAgenda("segments", segments, `segments${sub}`)} onBlur=${(sub) => blur("", `segments${sub}`)} />
      </section>

      <section class="ed-steps-panel card" aria-labelledby="steps-title">
        <h2 id="steps-title">Steps <span class="muted">(${draft.steps.length})</span></h2>
        <p id="reorder-help" class="field-hint">Drag a step to move it, or press Alt+↑ or Alt+↓ on it.</p>
        ${problemAt("", "steps") && html`<p class="field-error">${problemAt("", "steps")}</p>`}
        <${StepList} draft=${draft} selected=${selected} problemKeys=${problemKeys} select=${select} move=${move} duplicate=${duplicate} remove=${remove} />
        <div class="ed-add" role="group" aria-labelledby="add-step-label">
          <p id="add-step-label" class="ed-add-label">Add a step</p>
          ${Object.entries(KINDS).map(([k, v], i) => html`<button type="button" key=${k} id=${i === 0 ? "add-step" : undefined}
            aria-label=${`Add ${v.article} step`} disabled=${draft.steps.length >= MAX.steps} onClick=${() => addStep(k)}>+ ${v.label}</button>`)}
        </div>
      </section>
      </div>

      <div class="ed-step-area" ref=${formRef}>
        ${step
          ? html`<${StepForm} key=${step.key} step=${step} index=${index} count=${draft.steps.length}
              problemAt=${(field) => problemAt(step.key, field)} otherProblems=${stepProblems}
              update=${(patch, field) => update(step.key, patch, field)} changeKind=${changeKind} blur=${(field) => blur(step.key, field)}
              dropExtra=${(name) => update(step.key, { [name]: step[name] ?? "" }, name)} />`
          : html`<div class="ed-empty card"><p>${draft.steps.length ? "Pick a step to edit it." : "No steps yet: add the first one."}</p></div>`}
      </div>
      ${step && html`<${Preview} draft=${draft} step=${step} index=${index} />`}
    </div>
    <p class="visually-hidden" role="status" aria-live="polite">${announce}</p>
  </main>`;
}

// ---------------------------------------------------------------- the page

let opened = 0;

/** The agendas, and the editor; editId opens that saved agenda at once. */
export function App({ editId = "" }) {
  const [toasts, toast, dismiss] = useToasts();
  const [list, setList] = useState(null); // null while loading
  const [listError, setListError] = useState("");
  const [editing, setEditing] = useState(null); // {n, draft, savedJSON, submitted}
  const [write, passwordPrompt] = usePasswordWrites();

  const load = async () => {
    setListError("");
    try {
      let data = await write("GET", "/api/agendas");
      // Saved agendas are locked behind the host password: ask for it.
      if (data.locked) data = await write("GET", "/api/agendas?saved=1");
      setList(Array.isArray(data.agendas) ? data.agendas : []);
    } catch (err) {
      setList([]);
      setListError(`The agendas could not be loaded: ${err.message}`);
    }
  };
  // saved: the draft is as its saved agenda (or, new and empty, as nothing
  // at all), so that it shows no unsaved changes.
  const open = (draft, saved = false, submitted = false) => {
    setEditing({ n: ++opened, draft, savedJSON: saved ? JSON.stringify(documentOf(draft)) : "", submitted });
    history.replaceState(null, "", draft.id ? `#edit=${encodeURIComponent(draft.id)}` : location.pathname);
    window.scrollTo(0, 0);
  };
  const fetchDraft = async (a, asCopy) => {
    const d = draftFrom(await write("GET", `/api/agendas/${encodeURIComponent(a.id)}`), asCopy ? "" : a.id);
    if (asCopy) d.title = copyTitle(d.title);
    return d;
  };
  const guard = (fn) => async (...args) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err.code !== "unauthorized") toast(err.message);
    }
  };
  const actions = {
    onEdit: guard(async (a) => open(await fetchDraft(a, false), true)),
    onCopy: guard(async (a) => open(await fetchDraft(a, true))),
    onDownload: guard(async (a) => toast(`Downloaded ${downloadAgenda(documentOf(await fetchDraft(a, false)))}`, "info")),
    onDelete: async (a) => {
      try {
        await write("DELETE", `/api/agendas/${encodeURIComponent(a.id)}`, {});
        toast(`Deleted “${a.title}”.`, "info");
        await load();
        document.getElementById("saved-title")?.focus();
        return true;
      } catch (err) {
        if (err.code === "agenda_not_found") load();
        else if (err.code !== "unauthorized") toast(err.message);
        return false;
      }
    },
  };
  const close = () => {
    setEditing(null);
    history.replaceState(null, "", location.pathname);
    load();
  };

  useEffect(() => {
    load();
    if (editId) actions.onEdit({ id: editId });
  }, []);
  useEffect(() => {
    document.title = editing ? `${editing.draft.id ? "Edit" : "New"} agenda · Quorum` : "Agendas · Quorum";
  }, [editing]);

  return html`<div class="ed-page">
    <header class="ed-header">
      <a class="brand" href="/">Quorum</a>
      <nav aria-label="Host"><a href="/host">Host a workshop</a><a href="/host/sessions">My sessions</a></nav>
    </header>
    ${passwordPrompt}
    ${editing
      ? html`<${Editor} key=${editing.n} start=${editing} write=${write} toast=${toast} onClose=${close}
          onSaved=${(a) => history.replaceState(null, "", `#edit=${encodeURIComponent(a.id)}`)} />`
      : html`<${AgendaList} list=${list} error=${listError} reload=${load} onNew=${() => open(draftFrom({}), true)}
          onUpload=${guard(async (f) => open(draftFrom(await readAgendaFile(f)), false, true))} ...${actions} />`}
    <${Toasts} toasts=${toasts} dismiss=${dismiss} />
  </div>`;
}
