// The entry of /: renders landing.js.
import { render } from "preact";
import { html } from "../ui.js";
import { Landing } from "../landing.js";

render(html`<${Landing} />`, document.getElementById("app"));
