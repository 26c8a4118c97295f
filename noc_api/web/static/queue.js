// A queue page, live: the server's event stream names each new complaint in the viewer's scope; the list is
// fetched again (rendered by the server, as on the first load) unless the viewer is ticking or typing in it.
// Without JavaScript the page is the same list, refreshed by reloading.
(() => {
  const live = document.getElementById("live");
  const rows = document.getElementById("queue-rows");
  if (!live || !rows || !window.EventSource) return;
  const news = document.getElementById("live-news");
  const state = document.getElementById("live-state");
  live.hidden = false;
  const busy = () => rows.querySelector("input:checked") !== null || rows.contains(document.activeElement);
  async function refresh(number) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "/complaints/" + encodeURIComponent(number);
    link.textContent = number;
    item.append(live.dataset.new + ": ", link);
    news.prepend(item);
    if (busy()) {
      const again = document.createElement("a");
      again.href = location.href;
      again.textContent = live.dataset.reload;
      item.append(" — ", again);
      return;
    }
    const r = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!r.ok) return;
    const fresh = new DOMParser().parseFromString(await r.text(), "text/html").getElementById("queue-rows");
    if (fresh && !busy()) {
      rows.innerHTML = fresh.innerHTML;
      rows.dataset.refreshed = String(Number(rows.dataset.refreshed || 0) + 1);
    }
  }
  const es = new EventSource(live.dataset.stream);
  es.onopen = () => { state.textContent = live.dataset.on; state.className = "live on"; };
  es.onerror = () => { state.textContent = live.dataset.off; state.className = "live off"; };
  es.addEventListener("complaint", (e) => refresh(JSON.parse(e.data).tracking_number));
})();
