// Admin settings: the balancer algorithm and the autoscaler, through their JSON APIs.
"use strict";
(function () {
  const algorithmForm = document.getElementById("algorithm-form");
  const algorithmSelect = document.getElementById("algorithm-select");
  const algorithmStatus = document.getElementById("algorithm-status");
  const scalingForm = document.getElementById("scaling-form");
  const scalingStatus = document.getElementById("scaling-status");
  const decisions = document.getElementById("decisions");
  const NUMBERS = ["minPoolSize", "maxPoolSize", "scaleUpThreshold", "scaleDownThreshold", "cooldownPeriod"];
  const INTEGERS = ["minPoolSize", "maxPoolSize"];

  async function loadAlgorithm() {
    try {
      const stats = await tg.api("GET", "/api/loadbalancer/stats");
      algorithmSelect.value = stats.algorithm;
      algorithmStatus.textContent = "In use: " + stats.algorithm;
    } catch (error) { algorithmStatus.textContent = "Could not load: " + error.message; }
  }

  function showScaling(status) {
    const config = status.config || {};
    scalingForm.elements.enabled.checked = Boolean(config.enabled);
    for (const name of NUMBERS) if (config[name] !== undefined) scalingForm.elements[name].value = config[name];
    const pool = status.pool || {};
    scalingStatus.textContent = "Pool " + (pool.size ?? "?") + " of " + (pool.wanted ?? "?") + " (target " +
      (status.targetPoolSize ?? "?") + " per browser and node) · utilisation " +
      Math.round(100 * (status.utilisation || 0)) + " %";
    decisions.replaceChildren(...(status.lastDecisions || []).slice(0, 20).map((d) =>
      tg.el("li", tg.when(d.time) + " · " + d.action + " · " + d.reason)));
  }

  async function loadScaling() {
    try { showScaling(await tg.api("GET", "/api/config/auto-scaling")); }
    catch (error) { scalingStatus.textContent = "Could not load: " + error.message; }
  }

  algorithmForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await tg.api("POST", "/api/loadbalancer/algorithm", { algorithm: algorithmSelect.value });
      algorithmStatus.textContent = "In use: " + answer.algorithm + " (was " + answer.previous + ")";
    } catch (error) { algorithmStatus.textContent = "Not changed: " + error.message; }
  });

  scalingForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { enabled: scalingForm.elements.enabled.checked };
    for (const name of NUMBERS) {
      const raw = scalingForm.elements[name].value;
      if (raw !== "") body[name] = INTEGERS.includes(name) ? parseInt(raw, 10) : Number(raw);
    }
    try { showScaling(await tg.api("POST", "/api/config/auto-scaling", body)); scalingStatus.textContent = "Saved. " + scalingStatus.textContent; }
    catch (error) { scalingStatus.textContent = "Not saved: " + error.message; }
  });

  loadAlgorithm();
  loadScaling();
})();
