// Shows a question only while the answers it depends on say so (the questionnaire's
// enableWhen); a hidden question's inputs are disabled, so it is neither sent nor required.
// Without this script every question shows and the server drops answers to those not asked.
(function () {
  "use strict";
  var form = document.querySelector("form");
  if (!form) { return; }
  function values(name) {
    var out = [];
    form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
      if (el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.value !== "") { out.push(el.value); }
    });
    return out;
  }
  function holds(cond) {
    var parts = cond.split("|"), got = values(parts[0]), op = parts[1], want = parts[2];
    if (op === "exists") { return (got.length > 0) === (want === "yes"); }
    if (got.length === 0) { return false; }
    return got.some(function (v) { return op === "=" ? v === want : v !== want; });
  }
  // What to do today, beside a question whose "not sure" alone calls for it.
  function advise() {
    form.querySelectorAll("[data-today-for]").forEach(function (p) {
      p.hidden = values(p.getAttribute("data-today-for")).indexOf("not_sure") < 0;
    });
    // An emergency question: "yes" or "not sure" shows what to do now, and the way to stop.
    form.querySelectorAll("[data-emergency-for]").forEach(function (box) {
      var got = values(box.getAttribute("data-emergency-for"));
      var on = got.indexOf("yes") >= 0 || got.indexOf("not_sure") >= 0;
      box.hidden = !on;
      box.querySelectorAll("[data-when]").forEach(function (p) {
        p.hidden = got.indexOf(p.getAttribute("data-when")) < 0;
      });
    });
  }
  function update() {
    form.querySelectorAll("[data-enable-when]").forEach(function (q) {
      var conds = q.getAttribute("data-enable-when").split(";");
      var on = q.getAttribute("data-behavior") === "any" ? conds.some(holds) : conds.every(holds);
      q.hidden = !on;
      q.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = !on; });
    });
  }
  form.addEventListener("change", function () { update(); advise(); });
  update();
  advise();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
