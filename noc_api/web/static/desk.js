// Progressive enhancement of the desks: while the agent types, show the caller's earlier complaints and possible
// duplicates (the same panel the "Look up" button renders without JavaScript).
(() => {
  const form = document.getElementById("register-form");
  const panel = document.getElementById("hints");
  if (!form || !panel) return;
  const phone = form.querySelector("#caller_number") || form.querySelector("#phone");
  const category = form.querySelector("#category");
  const ward = form.querySelector("#ward");
  let last = "";
  async function refresh() {
    const p = phone.value.trim();
    const key = [p, category.value, ward.value].join("|");
    if ((p.length < 7 && !ward.value) || key === last) return;
    last = key;
    const q = new URLSearchParams({ phone: p, category: category.value, ward: ward.value });
    try {
      const r = await fetch("/desk/hints?" + q, { headers: { accept: "text/html" }, credentials: "same-origin" });
      if (r.ok) panel.innerHTML = await r.text();
    } catch (e) { /* the panel keeps what it had; the form works without it */ }
  }
  phone.addEventListener("change", refresh);
  phone.addEventListener("blur", refresh);
  category.addEventListener("change", refresh);
  ward.addEventListener("change", refresh);
})();
