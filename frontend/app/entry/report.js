// /host/{id}/report[?anonymous=1][&notes=1]: reads the session, its host key
// and the version from the address (or the key from this browser), and
// renders the report (report.js).
import { render } from "preact";
import { html } from "../ui.js";
import { keysFromLink } from "../hosted.js";
import { Report } from "../report.js";

const parts = location.pathname.split("/").filter(Boolean);
const id = parts[0] === "host" && parts[2] === "report" && parts[1] ? decodeURIComponent(parts[1]) : "";
const query = new URLSearchParams(location.search);
const anonymous = query.get("anonymous") === "1";
const notes = query.get("notes") === "1";
render(html`<${Report} id=${id} hostKey=${keysFromLink(id).hostKey} anonymous=${anonymous} notes=${notes} />`, document.getElementById("app"));
