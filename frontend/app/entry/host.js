// The entry of /host: renders host.js.
import { render } from "preact";
import { html } from "../ui.js";
import { Host } from "../host.js";

render(html`<${Host} />`, document.getElementById("app"));
