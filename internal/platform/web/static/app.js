// wuye front-end glue: no inline scripts, so the CSP can forbid them.
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf();
  });
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle]");
    if (t) {
      var el = document.getElementById(t.getAttribute("data-toggle"));
      if (el) el.classList.toggle("open");
    }
    var p = e.target.closest("[data-print]");
    if (p) { e.preventDefault(); window.print(); }
    if (!e.target.closest(".global-search")) {
      var pop = document.getElementById("search-pop");
      if (pop) pop.innerHTML = "";
    }
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-autosubmit]")) e.target.form.submit();
  });
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
      var q = document.getElementById("global-q");
      if (q) { e.preventDefault(); q.focus(); }
    }
  });
})();
