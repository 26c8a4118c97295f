// The town map on a form: a click (or tap) sets the latitude and longitude fields and moves the pin.
// Without JavaScript the fields are typed in; the map only shows the towns.
(() => {
  for (const fig of document.querySelectorAll(".citymap.pick")) {
    const svg = fig.querySelector("svg");
    const pin = svg.querySelector(".pin");
    const lat = document.getElementById("lat");
    const lon = document.getElementById("lon");
    if (!lat || !lon) continue;
    const [lat0, lon0] = svg.dataset.origin.split(",").map(Number);
    const [sy, sx] = svg.dataset.scale.split(",").map(Number);
    const place = (x, y) => {
      pin.setAttribute("transform", `translate(${x.toFixed(1)} ${y.toFixed(1)})`);
      pin.removeAttribute("hidden");
    };
    svg.addEventListener("click", (e) => {
      const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse());
      lat.value = (lat0 - p.y / sy).toFixed(5);
      lon.value = (lon0 + p.x / sx).toFixed(5);
      place(p.x, p.y);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    });
    const typed = () => {
      const a = Number(lat.value), b = Number(lon.value);
      if (lat.value && lon.value && Number.isFinite(a) && Number.isFinite(b)) place((b - lon0) * sx, (lat0 - a) * sy);
    };
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);
  }
})();
