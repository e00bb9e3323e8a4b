// Progressive enhancement only: every form works without this file.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  // A "删除" checkbox ticked in a form that saves many rows asks the same way.
  var ticked = event.target.querySelector("input[type=checkbox][data-confirm]:checked");
  if (!message && ticked) message = ticked.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// Show a rate as a percent while it is typed (分子 / 分母).
document.addEventListener("input", function (event) {
  var form = event.target.form;
  if (!form) return;
  var num = form.querySelector(".rate-num"), den = form.querySelector(".rate-den");
  var out = form.querySelector(".rate-pct");
  if (!num || !den || !out) return;
  var n = parseFloat(num.value), d = parseFloat(den.value);
  out.textContent = d > 0 && n >= 0 ? (n * 100 / d).toFixed(2) + "%" : "";
});
