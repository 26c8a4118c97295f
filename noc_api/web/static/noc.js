// The NOC wall, live: the server's event stream says when something changed; the wall's changing part is fetched
// again (rendered by the server, as on the first load). A form being typed into is never wiped: the refresh waits.
(() => {
  const wall = document.getElementById("wall");
  const live = document.getElementById("live");
  if (!wall || !live) return;
  let waiting = false;
  const busy = () => {
    const el = document.activeElement;
    return el && wall.contains(el) && el.tagName === "INPUT" && el.value !== "";
  };
  async function refresh() {
    if (busy()) { waiting = true; return; }
    waiting = false;
    const r = await fetch("/noc/live", { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (r.ok && (r.headers.get("content-type") || "").startsWith("text/html")) {
      wall.innerHTML = await r.text();
      wall.dataset.refreshed = String(Number(wall.dataset.refreshed || 0) + 1);
    }
  }
  wall.addEventListener("focusout", () => { if (waiting) setTimeout(refresh, 0); });
  const es = new EventSource("/api/v1/events");
  es.onopen = () => { live.textContent = "live"; live.className = "live on"; };
  es.onerror = () => { live.textContent = "reconnecting…"; live.className = "live off"; };
  es.addEventListener("health", refresh);
  setInterval(refresh, 60000);  // "heard 3 min ago" keeps counting on a quiet city
})();
