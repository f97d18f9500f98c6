// The sessions list: polls /api/sessions with the page's filters and redraws the table.
"use strict";
(function () {
  const POLL_MS = 2000;
  const form = document.getElementById("filters");
  const tbody = document.querySelector("#sessions tbody");
  const refreshed = document.getElementById("refreshed");
  const owners = JSON.parse(document.getElementById("owners").textContent || "{}");

  function query() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
    return params;
  }

  function outcome(item) {
    if (item.state === "running") return "running";
    return item.testStatus ? item.testStatus + " (" + item.state + ")" : item.state;
  }

  function row(item, now) {
    const tr = tg.el("tr", null, { "data-session-id": item.id, class: "state-" + item.state });
    const link = tg.el("a", item.name || "(unnamed)", { href: "/ui/sessions/" + encodeURIComponent(item.id) });
    const started = Date.parse(item.startedAt);
    const ended = item.endedAt ? Date.parse(item.endedAt) : now;
    const owner = item.ownerId === null ? "—" : (owners[String(item.ownerId)] || "#" + item.ownerId);
    tr.append(
      tg.cell("Test", link),
      tg.cell("Outcome", outcome(item)),
      tg.cell("Browser", [item.browserName, item.browserVersion].filter(Boolean).join(" ")),
      tg.cell("User", owner),
      tg.cell("Node", item.node || "—"),
      tg.cell("Age", tg.age((now - started) / 1000) + (item.endedAt ? " (ran " + tg.age((ended - started) / 1000) + ")" : "")),
    );
    const action = item.state === "running" ? "watch" : "replay";
    tr.appendChild(tg.cell("", tg.el("a", action, { href: "/ui/sessions/" + encodeURIComponent(item.id), class: "action" })));
    return tr;
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    const params = query();
    params.set("limit", "100");
    try {
      const data = await tg.api("GET", "/api/sessions?" + params.toString());
      const now = Date.now();
      tg.replaceRows(tbody, data.items.map((item) => row(item, now)), "No sessions.", 7);
      refreshed.textContent = "Updated " + new Date(now).toLocaleTimeString() + " · " + data.items.length + " shown";
    } catch (error) {
      refreshed.textContent = "Could not load sessions: " + error.message;
      if (error.status === 401) { location.assign("/ui/login?next=" + encodeURIComponent(location.pathname + location.search)); return; }
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.replaceState(null, "", "/ui/sessions?" + query().toString());
    refresh();
  });
  form.addEventListener("change", () => form.requestSubmit());
  refresh();
})();
