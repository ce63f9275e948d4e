// Landing page: join by code, or host a workshop.
import { useState } from "preact/hooks";
import { html, formatCode } from "./ui.js";

export function Landing() {
  const [code, setCode] = useState("");
  const [error, setError] = useState("");
  const digits = code.replace(/\D/g, "");

  const onInput = (e) => {
    setCode(formatCode(e.target.value));
    setError("");
  };
  const onSubmit = (e) => {
    e.preventDefault();
    if (digits.length !== 8) {
      setError("A join code has 8 digits, like 1234 5678. It is on the shared screen.");
      return;
    }
    location.assign(`/j/${digits}`);
  };

  return html`<main class="landing">
    <header>
      <h1 class="brand">Quorum</h1>
      <p class="tagline">Live voting for workshops</p>
    </header>
    <form class="join-form card" onSubmit=${onSubmit} novalidate>
      <label for="code">Join with the code on the screen</label>
      <input id="code" class="code-input" inputmode="numeric" autocomplete="one-time-code" placeholder="1234 5678"
        maxlength="12" value=${code} onInput=${onInput} aria-describedby="code-error" autofocus />
      ${error && html`<div id="code-error" class="field-error" role="alert">${error}</div>`}
      <button class="primary" type="submit">Join</button>
    </form>
    <p class="or">Running a session?</p>
    <a class="button host-link" href="/host">Host a workshop</a>
  </main>`;
}
