// /host/{id}#key=…&screen=…: reads the session and its keys from the address
// (keys are stored, then taken out of it) or from this browser, and renders
// the console (console.js).
import { render } from "preact";
import { html } from "../ui.js";
import { keysFromLink } from "../hosted.js";
import { App } from "../console.js";

const id = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
render(html`<${App} id=${id} ...${keysFromLink(id)} />`, document.getElementById("app"));
