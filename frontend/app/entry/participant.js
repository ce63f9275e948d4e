// /join and /j/{code}: starts loading the charts, reads the join code from
// the address and renders the phone (participant.js).
import { render } from "preact";
import { html } from "../ui.js";
import { App, digitsOf, loadCharts } from "../participant.js";

loadCharts();
const link = location.pathname.match(/^\/j\/([^/]+)\/?$/);
render(html`<${App} code=${link ? digitsOf(decodeURIComponent(link[1])) : ""} />`, document.getElementById("app"));
