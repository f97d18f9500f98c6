// One session: the live screen over noVNC while it runs, and a reload when its state moves on
// (ended, or its video finished) so the page shows the player.
const box = document.getElementById("session");
const sessionId = box.dataset.sessionId;
const POLL_MS = 2000;

async function watchScreen() {
  const status = document.getElementById("vnc-status");
  const viewOnly = document.getElementById("view-only");
  const { default: RFB } = await import(box.dataset.novnc + "/core/rfb.js");
  const rfb = new RFB(document.getElementById("screen"), box.dataset.vncUrl,
                      { shared: true, wsProtocols: ["binary"] });
  rfb.scaleViewport = true;
  rfb.viewOnly = viewOnly.checked;
  viewOnly.addEventListener("change", () => { rfb.viewOnly = viewOnly.checked; });
  rfb.addEventListener("connect", () => { status.textContent = "live"; box.dataset.vnc = "connected"; });
  const screen = document.getElementById("screen");
  document.getElementById("full-screen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else screen.requestFullscreen();
  });
  rfb.addEventListener("disconnect", (event) => {
    status.textContent = event.detail.clean ? "the session has ended" : "connection lost";
    box.dataset.vnc = "closed";
  });
}

async function stillRunning() {
  const response = await fetch("/api/sessions/" + encodeURIComponent(sessionId),
                               { headers: { "Accept": "application/json" } });
  if (!response.ok) return true;
  const row = await response.json();
  return row.state === "running";
}

async function videoReady() {
  const response = await fetch("/api/sessions/" + encodeURIComponent(sessionId) + "/video",
                               { method: "HEAD" });
  return response.ok;
}

async function poll() {
  try {
    if (box.dataset.running === "yes" && !(await stillRunning())) { location.reload(); return; }
    if (box.dataset.waitingVideo === "yes" && await videoReady()) { location.reload(); return; }
  } catch (_) { /* the hub restarting: try again */ }
  setTimeout(poll, POLL_MS);
}

if (box.dataset.vncUrl) watchScreen();
if (box.dataset.running === "yes" || box.dataset.waitingVideo === "yes") setTimeout(poll, POLL_MS);
