// The inspection pages' keyboard shortcuts and "select all": progressive enhancement only,
// every link and form works without this file. Keys are ignored while typing in a field.
(function () {
  function typing(event) {
    var t = event.target;
    return event.ctrlKey || event.metaKey || event.altKey ||
      (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName)));
  }
  function follow(id) {
    var link = document.getElementById(id);
    if (link) window.location.href = link.href;
  }

  // Queue: a ticked-all box, and J/K to move between rows, X to tick, Enter to open.
  var all = document.querySelector(".pick-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=item]").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr"))
    .filter(function (row) { return row.querySelector("a.open"); });
  var current = -1;
  function focusRow(n) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, n));
    rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    rows[current].querySelector("a.open").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event) && !(event.key === "Enter" && rows.length)) return;
    var key = event.key.toLowerCase();
    if (rows.length) {
      if (key === "j") focusRow(current + 1);
      else if (key === "k") focusRow(current - 1);
      else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[name=item]");
        if (box) box.checked = !box.checked;
      } else return;
      event.preventDefault();
      return;
    }
    if (key === "j") follow("next-item");
    else if (key === "k") follow("prev-item");
    else if (key === "u") follow("back-to-queue");
    else if (key === "v") {
      var verify = document.querySelector("button[name=action][value=verify]");
      if (verify) verify.click();
    } else return;
    event.preventDefault();
  });
})();
