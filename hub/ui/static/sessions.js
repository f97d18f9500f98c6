// The sessions list: polls /api/sessions with the page's filters and redraws the table, a
// page of 100 at a time (Older / Newer move through the rest).
"use strict";
(function () {
  const POLL_MS = 2000;
  const PAGE = 100;
  const form = document.getElementById("filters");
  const table = document.getElementById("sessions");
  const tbody = table.querySelector("tbody");
  const refreshed = document.getElementById("refreshed");
  const newer = document.getElementById("newer");
  const older = document.getElementById("older");
  const owners = JSON.parse(document.getElementById("owners").textContent || "{}");
  const hubScreens = table.dataset.vnc === "yes";
  const hubVideos = table.dataset.video === "yes";
  let offset = Math.max(0, parseInt(new URLSearchParams(location.search).get("offset") || "0", 10) || 0);

  function query() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
    return params;
  }

  function outcome(item) {
    if (item.state === "running") return "running";
    return item.testStatus ? item.testStatus + " (" + item.state + ")" : item.state;
  }

  // What the session asked for, in any of the option styles the hub reads.
  function asked(item, option, seName) {
    const caps = item.requestedCapabilities || {};
    for (const key of ["selenoid:options", "tggrid:options"]) {
      if (caps[key] && caps[key][option] === true) return true;
    }
    return caps[seName] === true;
  }

  function hasScreen(item) {
    const caps = item.capabilities || {};
    return caps["se:vncEnabled"] === true || hubScreens || asked(item, "enableVNC", "se:vncEnabled");
  }

  function hasVideo(item) {
    const caps = item.capabilities || {};
    // the hub's answer for a session its node does not film (a relay): no video to replay
    if ((caps["tggrid:options"] || {}).enableVideo === false) return false;
    return Boolean(caps["tggrid:videoUrl"]) || hubVideos || asked(item, "enableVideo", "se:recordVideo");
  }

  function title(item) {
    if (item.name) return item.name;
    return "(unnamed) " + [item.browserName, item.id.slice(0, 8)].filter(Boolean).join(" ");
  }

  function row(item, now) {
    const tr = tg.el("tr", null, { "data-session-id": item.id, class: "state-" + item.state });
    const href = "/ui/sessions/" + encodeURIComponent(item.id);
    const link = tg.el("a", title(item), { href, class: item.name ? "" : "unnamed" });
    const started = Date.parse(item.startedAt);
    const ended = item.endedAt ? Date.parse(item.endedAt) : now;
    const owner = item.ownerId === null ? "—" : (owners[String(item.ownerId)] || "#" + item.ownerId);
    tr.append(
      tg.cell("Test", link),
      tg.cell("Outcome", outcome(item)),
      tg.cell("Browser", [item.browserName, item.browserVersion].filter(Boolean).join(" ")),
      tg.cell("User", owner),
      tg.cell("Node", item.node || "—"),
      tg.cell("Started", tg.when(item.startedAt)),
      tg.cell("Ran", tg.age((ended - started) / 1000)),
    );
    let action = null;
    if (item.state === "running" && hasScreen(item)) action = "watch";
    else if (item.state !== "running" && hasVideo(item)) action = "replay";
    tr.appendChild(tg.cell("", action ? tg.el("a", action, { href, class: "action" }) : ""));
    return tr;
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    const params = query();
    params.set("limit", String(PAGE + 1));
    params.set("offset", String(offset));
    try {
      const data = await tg.api("GET", "/api/sessions?" + params.toString());
      const now = Date.now();
      const items = data.items.slice(0, PAGE);
      tg.replaceRows(tbody, items.map((item) => row(item, now)), "No sessions.", 8);
      const first = items.length ? offset + 1 : 0;
      refreshed.textContent = "Updated " + tg.when(new Date(now).toISOString()) + " · " +
        items.length + " shown" + (items.length ? " (" + first + "–" + (offset + items.length) + ")" : "");
      older.hidden = data.items.length <= PAGE;
      newer.hidden = offset === 0;
    } catch (error) {
      refreshed.textContent = "Could not load sessions: " + error.message;
      if (error.status === 401) { location.assign("/ui/login?next=" + encodeURIComponent(location.pathname + location.search)); return; }
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  function remember() {
    const params = query();
    if (offset) params.set("offset", String(offset));
    history.replaceState(null, "", "/ui/sessions" + (params.toString() ? "?" + params.toString() : ""));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    remember();
    refresh();
  });
  form.addEventListener("change", () => form.requestSubmit());
  older.addEventListener("click", () => { offset += PAGE; remember(); refresh(); });
  newer.addEventListener("click", () => { offset = Math.max(0, offset - PAGE); remember(); refresh(); });
  refresh();
})();
