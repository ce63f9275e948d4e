// /host: create a session from a built-in agenda or an agenda file, then go
// to its console. The keys live in local storage so the console survives a
// reload, and a "My sessions" page can list them later.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, formatCode, formatDate } from "./ui.js";
import { api } from "./api.js";
import { consoleLink, loadHosted, rememberCreated } from "./hosted.js";
import { NAMES_PROMISE } from "./names.js";

function stepsLabel(n) {
  return `${n} ${n === 1 ? "step" : "steps"}`;
}

export function Host() {
  const [agendas, setAgendas] = useState(null); // null while loading
  const [agendasError, setAgendasError] = useState("");
  const [choice, setChoice] = useState(""); // a built-in id, or "file"
  const [file, setFile] = useState(null); // {name, agenda}
  const [fileError, setFileError] = useState("");
  const [problems, setProblems] = useState([]);
  const [title, setTitle] = useState("");
  const [names, setNames] = useState("hidden"); // what the phones will promise; fixed once created
  const [needPassword, setNeedPassword] = useState(false);
  const [password, setPassword] = useState("");
  const [passwordError, setPasswordError] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [hosted] = useState(loadHosted);
  const passwordRef = useRef(null);
  const fileRef = useRef(null);

  const [locked, setLocked] = useState(false); // saved agendas wait for the host password
  const loadAgendas = async (bearer) => {
    setAgendasError("");
    setAgendas(null);
    try {
      const data = await api("GET", "/api/agendas", undefined, bearer || undefined);
      const list = Array.isArray(data.agendas) ? data.agendas : [];
      setLocked(Boolean(data.locked));
      if (data.locked) setNeedPassword(true);
      setAgendas(list);
      setChoice((c) => c || (list[0] ? list[0].id : "file"));
    } catch (err) {
      setAgendas([]);
      setAgendasError(`The agendas could not be loaded: ${err.message}`);
      setChoice((c) => c || "file");
    }
  };
  useEffect(() => {
    loadAgendas();
  }, []);

  useEffect(() => {
    if (needPassword) passwordRef.current?.focus();
  }, [needPassword]);

  const onFile = (e) => {
    const f = e.target.files && e.target.files[0];
    setProblems([]);
    setError("");
    setFileError("");
    setFile(null);
    if (!f) return;
    setChoice("file");
    const reader = new FileReader();
    reader.onerror = () => setFileError(`“${f.name}” could not be read.`);
    reader.onload = () => {
      let doc;
      try {
        doc = JSON.parse(String(reader.result));
      } catch (err) {
        setFileError(html`“${f.name}” is not valid JSON.<br /><span class="parse-detail">${err.message}</span>`);
        return;
      }
      if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
        setFileError(`“${f.name}” is not an agenda: it should hold one JSON object with a title and steps.`);
        return;
      }
      setFile({ name: f.name, agenda: doc });
    };
    reader.readAsText(f);
  };

  const onSubmit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setError("");
    setProblems([]);
    setPasswordError("");
    let agenda;
    if (choice === "file") {
      if (fileError) {
        fileRef.current?.focus();
        return;
      }
      if (!file) {
        setFileError("Choose an agenda file (.json) first, or pick a built-in agenda.");
        fileRef.current?.focus();
        return;
      }
      agenda = file.agenda;
    } else if (choice) {
      agenda = choice;
    } else {
      setError("Pick an agenda first.");
      return;
    }
    const body = { agenda, names };
    const t = title.trim();
    if (t) body.title = t;
    if (needPassword) {
      if (!password) {
        setPasswordError("Enter the host password.");
        passwordRef.current?.focus();
        return;
      }
      body.password = password;
    }
    setBusy(true);
    try {
      const created = await api("POST", "/api/sessions", body);
      const agendaTitle =
        choice === "file" ? String(file.agenda.title || file.name) : (agendas || []).find((a) => a.id === choice)?.title || choice;
      rememberCreated(created, t || agendaTitle);
      location.assign(created.urls && created.urls.host ? created.urls.host : consoleLink(created));
    } catch (err) {
      setBusy(false);
      if (err.code === "unauthorized") {
        if (needPassword) setPasswordError("That password is not right. Try again.");
        setNeedPassword(true);
        passwordRef.current?.focus();
      } else if (err.code === "invalid_agenda") {
        const list = err.problems && err.problems.length ? err.problems : [{ path: "", message: err.message }];
        setProblems(list);
        if (choice !== "file") setError(err.message);
      } else {
        setError(err.message);
      }
    }
  };

  const fileSelected = choice === "file";
  const builtin = (agendas || []).find((a) => a.builtin);
  const fileDescribedBy = ["file-hint", fileError && "file-error", problems.length && fileSelected && "file-problems"]
    .filter(Boolean)
    .join(" ");

  return html`<main class="host">
    <header class="host-header">
      <a class="brand" href="/">Quorum</a>
      <h1>Host a workshop</h1>
      <p class="muted">Pick an agenda, create the session, and put the shared screen on the projector.</p>
    </header>

    <form class="host-form card" onSubmit=${onSubmit} novalidate aria-busy=${busy ? "true" : "false"}>
      <fieldset class="agenda-choice">
        <legend>Agenda</legend>
        ${agendas === null && html`<p class="muted" role="status">Loading the agendas…</p>`}
        ${agendasError &&
        html`<div class="field-error" role="alert">
          ${agendasError} <button type="button" class="link-button" onClick=${() => loadAgendas(password)}>Try again</button>
        </div>`}
        <div class="agenda-cards">
          ${(agendas || []).map(
            (a) => html`<label class=${`agenda-card${choice === a.id ? " selected" : ""}`} key=${a.id}>
              <input type="radio" name="agenda" value=${a.id} checked=${choice === a.id}
                onChange=${() => { setChoice(a.id); setProblems([]); setError(""); }} />
              <span class="agenda-card-title">${a.title}</span>
              <span class="agenda-card-meta">${a.builtin ? "Built-in" : "Saved"} · ${stepsLabel(a.steps)}</span>
            </label>`,
          )}
          <div class=${`agenda-card agenda-file${fileSelected ? " selected" : ""}`}>
            <label class="agenda-file-choice">
              <input type="radio" name="agenda" value="file" checked=${fileSelected}
                onChange=${() => { setChoice("file"); setError(""); }} />
              <span class="agenda-card-title">Your own agenda</span>
              <span class="agenda-card-meta">${file ? `${file.agenda.title || file.name} · ${Array.isArray(file.agenda.steps) ? stepsLabel(file.agenda.steps.length) : "no steps"}` : "A JSON file in Quorum's agenda format"}</span>
            </label>
            <div class="field file-field">
              <label for="agenda-file">Load an agenda file</label>
              <input id="agenda-file" ref=${fileRef} type="file" accept=".json,application/json" onChange=${onFile}
                aria-describedby=${fileDescribedBy} aria-invalid=${fileError || (fileSelected && problems.length) ? "true" : undefined} />
              <div id="file-hint" class="field-hint">
                One JSON document in Quorum's agenda format (docs/agenda.md).
                ${builtin && html` Start from <a href=${`/api/agendas/${encodeURIComponent(builtin.id)}`} download=${`${builtin.id}.json`}>the built-in agenda's file</a>.`}
              </div>
              ${fileError && html`<div id="file-error" class="field-error" role="alert">${fileError}</div>`}
              ${problems.length > 0 && fileSelected &&
              html`<div id="file-problems" class="field-error problems" role="alert">
                <p>This agenda has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:</p>
                <ul>
                  ${problems.map((p, i) => html`<li key=${i}>${p.path ? html`<code>${p.path}</code>: ` : ""}${p.message}</li>`)}
                </ul>
              </div>`}
            </div>
          </div>
        </div>
        ${locked && html`<p class="field-hint" role="status">Agendas saved on this server show once you enter the host password below${password ? html` — <button type="button" class="link-button" onClick=${() => loadAgendas(password)}>show them</button>` : ""}.</p>`}
        <p class="agenda-editor-link"><a href="/host/agendas">Edit agendas</a>: write your own, or start from a copy of the built-in one.</p>
      </fieldset>

      <div class="field">
        <label for="session-title">Session title</label>
        <input id="session-title" maxlength="200" value=${title} onInput=${(e) => setTitle(e.target.value)}
          placeholder="The agenda's title" aria-describedby="title-hint" autocomplete="off" />
        <div id="title-hint" class="field-hint">Optional. Shown on the shared screen and on phones; the agenda's title if left empty.</div>
      </div>

      <fieldset class="names-choice">
        <legend>Names</legend>
        <p class="field-hint" id="names-hint">Phones show this sentence under the name field, before anyone joins. It cannot change once the session is created, and every export keeps it.</p>
        ${[
          ["hidden", "Anonymous answers", "Exports never hold a name."],
          ["visible", "Names visible to you", "Exports hold names; you can still download them without."],
        ].map(
          ([value, label, effect]) => html`<label class=${`names-option${names === value ? " selected" : ""}`} key=${value}>
            <input type="radio" name="names" value=${value} checked=${names === value} onChange=${() => setNames(value)}
              aria-describedby="names-hint" />
            <span class="names-label">${label}</span>
            <span class="names-promise">Phones say: “${NAMES_PROMISE[value]}”</span>
            <span class="names-effect muted">${effect}</span>
          </label>`,
        )}
      </fieldset>

      ${needPassword &&
      html`<div class="field">
        <label for="host-password">Host password</label>
        <input id="host-password" ref=${passwordRef} type="password" value=${password} autocomplete="current-password"
          onInput=${(e) => { setPassword(e.target.value); setPasswordError(""); }}
          onChange=${(e) => locked && e.target.value && loadAgendas(e.target.value)}
          aria-describedby="password-hint${passwordError ? " password-error" : ""}" aria-invalid=${passwordError ? "true" : undefined} />
        <div id="password-hint" class="field-hint">This server asks for a password to create sessions and to list the agendas saved on it.</div>
        ${passwordError && html`<div id="password-error" class="field-error" role="alert">${passwordError}</div>`}
      </div>`}

      ${error && html`<div class="form-error field-error" role="alert">${error}</div>`}

      <button class="primary create" type="submit" disabled=${busy}>${busy ? "Creating…" : "Create session"}</button>
    </form>

    ${hosted.length > 0 &&
    html`<section class="recent" aria-labelledby="recent-title">
      <h2 id="recent-title">Your recent sessions</h2>
      <p><a href="/host/sessions">My sessions: status, reports and downloads</a></p>
      <ul>
        ${hosted.slice(0, 8).map(
          (s) => html`<li key=${s.id}>
            <a href=${consoleLink(s)}>${s.title || "Untitled session"}</a>
            <span class="muted"> · ${formatCode(s.code)}${s.createdAt ? ` · ${formatDate(s.createdAt)}` : ""}</span>
          </li>`,
        )}
      </ul>
    </section>`}
  </main>`;
}
