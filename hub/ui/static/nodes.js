// Nodes and the queue: polls the balancer stats and the new-session queue; admins drain and
// remove nodes through the node API (with the CSRF header).
"use strict";
(function () {
  const POLL_MS = 3000;
  const admin = document.getElementById("balancer").dataset.admin === "yes";
  const nodesBody = document.querySelector("#nodes tbody");
  const queueBody = document.querySelector("#queue tbody");
  const nodesMessage = document.getElementById("nodes-message");
  const queueMessage = document.getElementById("queue-message");

  function percent(value) {
    return value === undefined || value === null ? "—" : Math.round(Number(value)) + " %";
  }

  function button(label, onClick, danger) {
    const b = tg.el("button", label, { type: "button", class: danger ? "danger small" : "small" });
    b.addEventListener("click", onClick);
    return b;
  }

  async function act(method, url, question) {
    if (question && !window.confirm(question)) return;
    try { await tg.api(method, url); nodesMessage.textContent = ""; }
    catch (error) { nodesMessage.textContent = error.message; }
    refresh();
  }

  function nodeRow(node) {
    const tr = tg.el("tr", null, { "data-node-id": node.id });
    const name = tg.el("span");
    name.append(tg.el("strong", node.id), tg.el("br"), tg.el("small", node.kind + " · " + (node.uri || ""), { class: "muted" }));
    const health = node.availability + (node.healthMessage ? ": " + node.healthMessage : "");
    const metrics = node.metrics || {};
    const offers = tg.el("ul", null, { class: "offers" });
    for (const stereo of node.stereotypes || []) {
      offers.appendChild(tg.el("li", [stereo.browserName, stereo.browserVersion].filter(Boolean).join(" ") +
        (stereo.platformName ? " · " + stereo.platformName : "")));
    }
    const free = node.availability === "UP" ? Math.max(0, node.maxSessions - node.activeSessions) : 0;
    tr.append(
      tg.cell("Node", name),
      tg.cell("Health", health),
      tg.cell("Offers", offers),
      tg.cell("Free slots", free + " of " + node.maxSessions),
      tg.cell("Load", percent(node.load) + (node.score !== undefined ? " (score " + node.score + ")" : "")),
      tg.cell("CPU / memory", percent(metrics.cpu) + " / " + percent(metrics.memory)),
    );
    const actions = tg.el("td");
    if (admin) {
      const id = encodeURIComponent(node.id);
      if (node.availability !== "DRAINING") {
        actions.appendChild(button("Drain", () => act("POST", "/api/nodes/" + id + "/drain",
          "Drain " + node.id + "? It finishes its sessions and takes no new ones.")));
      }
      if (node.kind === "relay") {
        actions.appendChild(button("Remove", () => act("DELETE", "/api/nodes/" + id,
          "Remove " + node.id + "? Its running sessions end."), true));
      }
    }
    tr.appendChild(actions);
    return tr;
  }

  // One line per alternative the client would take: "browserName: firefox, platformName: linux".
  function describe(caps) {
    const parts = Object.keys(caps).sort().map((key) => {
      const value = caps[key];
      return key + ": " + (typeof value === "object" ? JSON.stringify(value) : String(value));
    });
    return parts.length ? parts.join(", ") : "any browser";
  }

  function queueRow(request, now) {
    const candidates = request.capabilities && request.capabilities.length ? request.capabilities : [{}];
    const tr = tg.el("tr");
    const asked = tg.el("ul", null, { class: "offers" });
    for (const caps of candidates) asked.appendChild(tg.el("li", describe(caps)));
    const first = candidates[0];
    const id = tg.el("small", request.requestId, { class: "muted" });
    tr.append(
      tg.cell("Browser", [first.browserName, first.browserVersion].filter(Boolean).join(" ") || "any"),
      tg.cell("Capabilities", asked),
      tg.cell("Waiting", tg.age(now / 1000 - request.enqueued)),
      tg.cell("Request", id),
    );
    return tr;
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    try {
      const stats = await tg.api("GET", "/api/loadbalancer/stats");
      document.getElementById("algorithm").textContent = stats.algorithm;
      const t = stats.totals || {};
      document.getElementById("totals").textContent =
        t.activeSessions + " running of " + t.capacity + " · " + t.queued + " queued · " +
        t.healthyNodes + "/" + t.nodes + " nodes healthy";
      tg.replaceRows(nodesBody, stats.nodes.map(nodeRow), "No nodes.", 7);
    } catch (error) {
      nodesMessage.textContent = error.status === 404
        ? "This hub has no balancer API." : "Could not load nodes: " + error.message;
    }
    try {
      const queue = await tg.api("GET", "/se/grid/newsessionqueue/queue");
      const items = Array.isArray(queue) ? queue : (queue.value || []);
      const now = Date.now();
      tg.replaceRows(queueBody, items.map((r) => queueRow(r, now)), "Nobody is waiting.", 4);
      queueMessage.textContent = "";
    } catch (error) {
      queueMessage.textContent = "Could not load the queue: " + error.message;
    }
    timer = setTimeout(refresh, POLL_MS);
  }
  refresh();
})();
