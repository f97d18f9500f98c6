// The standalone live viewer: noVNC on the hub's VNC websocket. Its settings come from the
// page's JSON block, so the page itself carries no script (its CSP forbids inline code).
const config = JSON.parse(document.getElementById("config").textContent);
const status = document.getElementById("status");
const viewOnly = document.getElementById("view-only");
const { default: RFB } = await import(config.novnc + "/core/rfb.js");
const rfb = new RFB(document.getElementById("screen"), config.url,
                    { shared: true, wsProtocols: ["binary"] });
rfb.scaleViewport = true;
rfb.viewOnly = viewOnly.checked = config.viewOnly;
viewOnly.addEventListener("change", () => { rfb.viewOnly = viewOnly.checked; });
rfb.addEventListener("connect", () => {
  status.textContent = "live: session " + config.sessionId;
});
rfb.addEventListener("disconnect", (event) => {
  status.textContent = event.detail.clean ? "the session has ended" : "connection lost";
});
