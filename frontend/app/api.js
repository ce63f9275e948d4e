// Quorum's HTTP API, read one way: a JSON answer, and for a refusal an Error
// with the server's message, its code and, for an agenda, its problems
// (internal/httpapi/errors.go writes them).

const NETWORK = "Cannot reach the server. Check the network and try again.";

/** fetch, with a network failure as an Error whose message can be shown. */
export async function request(path, init) {
  try {
    return await fetch(path, init);
  } catch {
    throw Object.assign(new Error(NETWORK), { code: "network" });
  }
}

/** The Error a refused answer stands for; fallback when the server says nothing. */
export async function apiError(res, fallback) {
  const data = await res.json().catch(() => ({}));
  const err = (data && data.error) || {};
  return Object.assign(new Error(err.message || fallback || `The server answered ${res.status}.`), {
    code: err.code || `http_${res.status}`,
    status: res.status,
    problems: err.problems || [],
  });
}

/** Calls the API with a JSON body and a bearer key; resolves to the JSON answer. */
export async function api(method, path, body, bearer) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const res = await request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw await apiError(res);
  return res.json().catch(() => ({}));
}
