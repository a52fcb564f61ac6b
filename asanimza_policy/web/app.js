// The assistant: asks what the decision needs (needs_input and its questions),
// one question at a time, then shows the plan. Works for any policy the
// server knows; everything it shows comes from the API.
"use strict";

const state = {
  policies: [],
  policy: null,       // GET /v1/policies/{id}
  answers: [],        // [field, value] in the order they were given
  asOf: "",
  decision: null,
  seq: 0,             // answers that arrive after a newer request are dropped
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((body && body.message) || `The server answered ${response.status}.`);
    error.field = body && body.field;
    throw error;
  }
  return body;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function context() {
  return Object.fromEntries(state.answers);
}

function query(extra) {
  const params = new URLSearchParams(extra || {});
  if (state.asOf) params.set("as_of", state.asOf);
  return params.toString();
}

function words(field) {
  const text = field.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatDate(iso) {
  const day = new Date(iso + "T00:00:00");
  if (Number.isNaN(day.getTime())) return iso;
  return day.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "long", year: "numeric" });
}

function inputOf(field) {
  return state.policy.inputs.find((i) => i.field === field);
}

function answerWords(field, value) {
  const input = inputOf(field);
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (input && input.choices) {
    const choice = input.choices.find((c) => c.value === value);
    if (choice) return choice.label;
  }
  if (input && input.type === "date") return formatDate(value);
  return String(value);
}

// -- start -------------------------------------------------------------------

async function start() {
  const params = new URLSearchParams(location.search);
  state.asOf = params.get("as_of") || "";
  $("as-of").value = state.asOf;
  // another day may mean another version of the policy: read it again, keep the answers
  $("as-of").addEventListener("change", () => {
    state.asOf = $("as-of").value;
    if (state.policy) choosePolicy(state.policy.id, true);
  });
  $("back").addEventListener("click", back);
  $("restart").addEventListener("click", () => { state.answers = []; refresh(); });
  $("policy").addEventListener("change", () => choosePolicy($("policy").value));
  try {
    // a policy whose files cannot be used is listed with an error and no versions
    state.policies = (await api("/v1/policies")).filter((p) => p.versions.length);
  } catch (e) {
    showError(e.message);
    return;
  }
  if (!state.policies.length) {
    showError("No procedure is available on this server.");
    return;
  }
  const select = $("policy");
  for (const p of state.policies) select.append(el("option", { value: p.id }, p.title || p.id));
  $("pick").hidden = state.policies.length < 2;
  const wanted = params.get("policy");
  const first = state.policies.find((p) => p.id === wanted) || state.policies.find((p) => p.in_effect)
    || state.policies[0];
  select.value = first.id;
  await choosePolicy(first.id);
}

async function choosePolicy(id, keepAnswers) {
  showError("");
  const seq = ++state.seq;
  let policy;
  try {
    policy = await api(`/v1/policies/${encodeURIComponent(id)}?${query()}`);
  } catch (e) {
    if (seq === state.seq) showError(e.message);
    return;
  }
  if (seq !== state.seq) return;
  state.policy = policy;
  $("title").textContent = state.policy.title;
  document.title = state.policy.title;
  const fields = new Set(policy.inputs.map((i) => i.field));
  state.answers = keepAnswers ? state.answers.filter(([f]) => fields.has(f)) : [];
  await refresh();
}

async function refresh() {
  if (!state.policy) return;
  const seq = ++state.seq;
  let decision;
  try {
    decision = await api(`/v1/policies/${encodeURIComponent(state.policy.id)}/evaluate`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ context: context(), as_of: state.asOf || null }),
    });
  } catch (e) {
    if (seq !== state.seq) return;
    // an answer the rules cannot take (e.g. an impossible date): take it back and ask again
    if (e.field && state.answers.length && state.answers[state.answers.length - 1][0] === e.field) {
      state.answers.pop();
      await refresh();
    }
    showError(e.message);
    return;
  }
  if (seq !== state.seq) return;
  showError("");
  state.decision = decision;
  showGiven();
  if (decision.status === "needs_input") showQuestion(decision.questions[0]);
  else showPlan(decision);
  window.scrollTo({ top: 0 });
}

// -- questions ---------------------------------------------------------------

function answer(field, value) {
  showError("");
  state.answers = state.answers.filter(([f]) => f !== field);
  state.answers.push([field, value]);
  refresh();
}

function back() {
  showError("");
  state.answers.pop();
  refresh();
}

function showQuestion(q) {
  $("plan").hidden = true;
  $("ask").hidden = false;
  $("progress").textContent = `Question ${state.answers.length + 1}`;
  $("question").textContent = q.text;
  const box = $("answers-input");
  box.replaceChildren();
  const form = $("question-form");
  form.onsubmit = (event) => event.preventDefault();
  if (q.type === "boolean" || q.choices) {
    const choices = q.type === "boolean"
      ? [{ value: true, label: "Yes" }, { value: false, label: "No" }] : q.choices;
    const list = el("div", { class: "choices" });
    for (const c of choices) {
      list.append(el("button", { type: "button", class: "choice", "data-value": String(c.value),
        onclick: () => answer(q.field, c.value) }, c.label));
    }
    box.append(list);
  } else {
    const kind = { date: "date", integer: "number" }[q.type] || "text";
    const field = el("input", { type: kind, id: "free-answer", name: q.field, required: "" });
    if (kind === "number") field.setAttribute("step", "1");
    const label = el("label", { for: "free-answer", class: "small muted" },
      q.type === "date" ? "Pick or type a date" : "Your answer");
    box.append(label, el("div", { class: "row" }, field,
      el("button", { type: "submit", class: "primary" }, "Continue")));
    form.onsubmit = (event) => {
      event.preventDefault();
      const raw = field.value.trim();
      if (!raw) { showError("Please answer the question first."); return; }
      let value = raw;
      if (q.type === "integer") {
        value = Number(raw);
        if (!Number.isInteger(value)) { showError("Please give a whole number."); return; }
      }
      answer(q.field, value);
    };
    setTimeout(() => field.focus(), 0);
  }
  $("back").disabled = state.answers.length === 0;
}

function showGiven() {
  const list = $("given-list");
  list.replaceChildren();
  state.answers.forEach(([field, value], index) => {
    const input = inputOf(field);
    const change = el("button", { type: "button", class: "link", "aria-label": `Change: ${input ? input.question : field}`,
      onclick: () => { state.answers = state.answers.slice(0, index); showError(""); refresh(); } }, "Change");
    list.append(el("dt", {}, input ? input.question : field),
      el("dd", {}, el("span", {}, answerWords(field, value)), " ", change));
  });
  $("given").hidden = state.answers.length === 0;
}

// -- the plan ----------------------------------------------------------------

function stepDetails(step) {
  const action = state.policy.actions.find((a) => a.id === step.action);
  const types = (action && action.fields) || {};
  const out = [];
  for (const [name, value] of Object.entries(step)) {
    if (name === "action" || name === "text") continue;
    if (types[name] === "date") {
      out.push(el("span", { class: value ? "chip date" : "chip" , title: value || "" },
        `${words(name)}: ${value ? formatDate(value) : "none"}`));
    } else if (value !== null && value !== undefined) {
      out.push(el("span", { class: "chip value" }, `${words(name)}: `, el("strong", {}, String(value))));
    }
  }
  return out;
}

function showPlan(d) {
  $("ask").hidden = true;
  $("plan").hidden = false;
  const covered = d.status === "complete";
  $("plan-badge").textContent = covered ? "Your plan" : "Not covered by the rules";
  $("plan-badge").className = covered ? "badge ok" : "badge warn";
  $("plan-title").textContent = d.title || "";
  const explanation = d.explanation
    || (covered ? "" : "The official text has no rule for this case; ask the service directly.");
  $("plan-explanation").textContent = explanation;
  $("plan-explanation").hidden = !explanation;
  $("plan-note").textContent = `Worked out for ${formatDate(d.as_of)}.`;

  const steps = $("steps");
  steps.replaceChildren();
  for (const s of d.steps) {
    const details = stepDetails(s);
    steps.append(el("li", {}, el("p", {}, s.text), ...(details.length ? [el("p", { class: "chips" }, ...details)] : [])));
  }
  $("steps-card").hidden = d.steps.length === 0;
  const dated = d.steps.some((s) => Object.entries(s).some(([k, v]) => {
    const action = state.policy.actions.find((a) => a.id === s.action);
    return action && action.fields[k] === "date" && v;
  }));
  $("calendar-row").hidden = !dated;
  $("calendar").href = `/v1/policies/${encodeURIComponent(d.policy)}/plan.ics?${query({ context: JSON.stringify(context()), version: d.version })}`;

  const docs = $("documents");
  docs.replaceChildren();
  for (const id of d.documents) {
    const doc = state.policy.documents.find((x) => x.id === id);
    docs.append(el("li", {}, doc ? doc.text : id));
  }
  $("documents-card").hidden = d.documents.length === 0;

  const caveats = Array.isArray(d.caveats) ? d.caveats : [];
  $("caveats").replaceChildren(...caveats.map((c) => {
    const where = [c.url ? el("a", { href: c.url, rel: "noopener noreferrer" }, c.title) : c.title];
    if (c.read_on) where.push(`, read on ${formatDate(c.read_on)}`);
    if (c.steps && c.steps.length) where.push(` (about step ${c.steps.join(", ")})`);
    return el("li", {}, el("p", {}, c.text), el("p", { class: "small muted" }, "Source: ", ...where));
  }));
  $("caveats-card").hidden = caveats.length === 0;

  const reasons = Array.isArray(d.reasons) ? d.reasons : [];
  $("reasons").replaceChildren(...reasons.map((r) => el("li", {}, typeof r === "string" ? r : (r.text || r.words || JSON.stringify(r)))));
  $("reasons-card").hidden = reasons.length === 0;

  const src = state.policy.source || {};
  const title = $("source-title");
  title.replaceChildren("Quoted word for word from: ",
    src.url ? el("a", { href: src.url, rel: "noopener noreferrer" }, src.title) : (src.title || "the source"));
  $("citations").replaceChildren(...d.citations.map((c) => el("blockquote", {}, c)));
  $("source-card").hidden = d.citations.length === 0;

  $("assumptions").replaceChildren(...d.assumptions.map((a) => el("li", {}, a.text)));
  $("assumptions-card").hidden = d.assumptions.length === 0;

  const diagram = `/v1/policies/${encodeURIComponent(d.policy)}/diagram.svg?${query({ context: JSON.stringify(context()), version: d.version })}`;
  $("diagram-card").hidden = false;
  $("diagram").onerror = () => { $("diagram-card").hidden = true; };
  $("diagram").src = diagram;
  $("diagram-link").href = diagram;
  $("diagram-full").href = diagram;
}

document.addEventListener("DOMContentLoaded", start);
