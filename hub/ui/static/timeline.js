// The session's steps beside its video (or live screen): click a step to seek the video to
// it, playing highlights the current step, failed steps stand out, and while the session
// runs new steps are fetched every second from /api/sessions/{id}/steps.
const box = document.getElementById("session");
const list = document.getElementById("step-list");
const sessionId = box.dataset.sessionId;
const PAGE = 1000;
const POLL_MS = 1000;
const starts = [];
let loaded = 0;
let current = null;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function video() { return document.getElementById("video"); }

function add(step) {
  const item = el("li", null, "step" + (step.error ? " failed" : ""));
  item.dataset.start = String(step.start);
  item.dataset.seq = String(step.seq);
  item.title = step.message || step.text;
  item.appendChild(el("span", step.start.toFixed(1) + " s", "at"));
  item.appendChild(el("span", step.text, "text"));
  if (step.error && step.message) item.appendChild(el("span", step.message, "why"));
  item.addEventListener("click", () => {
    const player = video();
    if (player) player.currentTime = Math.max(0, step.start);
    highlight(item);
  });
  list.appendChild(item);
  starts.push(step.start);
}

function highlight(item) {
  if (current === item) return;
  if (current) current.classList.remove("current");
  current = item;
  if (item) {
    item.classList.add("current");
    item.scrollIntoView({ block: "nearest" });
  }
}

function follow() {
  const player = video();
  if (!player) return;
  const now = player.currentTime;
  let index = -1;
  for (let i = 0; i < starts.length && starts[i] <= now + 0.05; i += 1) index = i;
  highlight(index >= 0 ? list.children[index] : null);
}

async function load() {
  for (;;) {
    const url = "/api/sessions/" + encodeURIComponent(sessionId) + "/steps?offset=" + loaded +
      "&limit=" + PAGE;
    const response = await fetch(url, { headers: { "Accept": "application/json" },
                                        credentials: "same-origin" });
    if (!response.ok) return false;
    const page = await response.json();
    page.steps.forEach(add);
    loaded += page.steps.length;
    document.getElementById("steps-count").textContent = page.total ? "(" + page.total + ")" : "";
    document.getElementById("steps-empty").hidden = page.total > 0;
    if (page.next === null || page.steps.length === 0) return true;
  }
}

async function poll() {
  try { await load(); } catch (_) { /* the hub restarting: try again */ }
  if (box.dataset.running === "yes") setTimeout(poll, POLL_MS);
}

const player = video();
if (player) {
  player.addEventListener("timeupdate", follow);
  player.addEventListener("seeked", follow);
}
poll();
