// /host/agendas[#edit=id]: renders the agenda editor (editor.js), with the
// saved agenda the address names open.
import { render } from "preact";
import { html } from "../ui.js";
import { App } from "../editor.js";

const editId = new URLSearchParams(location.hash.slice(1)).get("edit") || "";
render(html`<${App} editId=${editId} />`, document.getElementById("app"));
