// Shared by the dashboard's pages: the CSRF header, JSON calls, building text-only cells.
"use strict";
(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  async function api(method, url, body) {
    const init = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (_) { data = null; }
    }
    if (!response.ok) {
      const message = (data && (data.message || (data.value && data.value.message))) ||
        response.status + " " + response.statusText;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  // Every piece of text goes in through textContent: user data is never parsed as HTML.
  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  function cell(label, content) {
    const td = el("td", null, { "data-label": label });
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content === undefined || content === null ? "" : String(content);
    return td;
  }

  function age(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min " + (seconds % 60) + " s";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor(seconds % 3600 / 60) + " min";
    return Math.floor(seconds / 86400) + " d";
  }

  function replaceRows(tbody, rows, empty, columns) {
    tbody.replaceChildren(...rows);
    if (!rows.length) {
      const tr = el("tr");
      tr.appendChild(el("td", empty, { colspan: String(columns), class: "muted" }));
      tbody.appendChild(tr);
    }
  }

  // The one way to show a time, as the server does: "2026-01-31 14:05:09 UTC".
  function when(value) {
    if (value === undefined || value === null || value === "") return "—";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (isNaN(date.getTime())) return String(value);
    return date.toISOString().slice(0, 19).replace("T", " ") + " UTC";
  }

  // Destructive forms carry data-confirm: ask first (no inline script, so the CSP holds).
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  window.tg = { api, el, cell, age, csrf, replaceRows, when };
})();
