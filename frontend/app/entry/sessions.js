// The entry of /host/sessions: renders sessions.js.
import { render } from "preact";
import { html } from "../ui.js";
import { Sessions } from "../sessions.js";

render(html`<${Sessions} />`, document.getElementById("app"));
