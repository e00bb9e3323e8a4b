// Progressive enhancement only: every form works without this file.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  // A "删除" checkbox ticked in a form that saves many rows asks the same way.
  var ticked = event.target.querySelector("input[type=checkbox][data-confirm]:checked");
  if (!message && ticked) message = ticked.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// Show a rate as a percent while it is typed (分子 / 分母), in the item being typed in.
document.addEventListener("input", function (event) {
  var box = event.target.closest && (event.target.closest("section.item") || event.target.form);
  if (!box) return;
  var num = box.querySelector(".rate-num"), den = box.querySelector(".rate-den");
  var out = box.querySelector(".rate-pct");
  if (!num || !den || !out) return;
  var n = parseFloat(num.value), d = parseFloat(den.value);
  out.textContent = d > 0 && n >= 0 ? (n * 100 / d).toFixed(2) + "%" : "";
});

// The self-report page (自评填报): drafts saved to the server while typing, a warning before
// leaving with changes not saved, and files over the size limit refused before upload.
(function () {
  var form = document.querySelector("form.selfreport[data-autosave]");
  if (!form) return;
  var DELAY_MS = 1500;
  var status = form.querySelector(".autosave-status");
  var refusal = form.querySelector(".submit-refusal");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var dirty = {}, edits = {}, timers = {}, inflight = 0, queued = null, leaving = false;

  function say(key, values) {
    var text = form.getAttribute("data-" + key) || "";
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    status.textContent = text;
  }
  function holdsFiles(item) {
    var input = item.querySelector("input[type=file]");
    return (input && input.files.length > 0) || item.querySelector("ul.pending li") !== null;
  }
  document.querySelectorAll("section.item[data-code]").forEach(function (item) {
    if (item.hasAttribute("data-unsaved") || holdsFiles(item)) dirty[item.dataset.code] = true;
  });

  function autosave(item) {
    var code = item.dataset.code, seen = edits[code], data = new FormData();
    data.append("code", code);
    item.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (el) {
      if (el.type !== "file") data.append(el.name, el.value);
    });
    inflight += 1;
    say("saving");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: response.status }; });
    }).then(function (body) {
      if (body.ok) {
        item.querySelector("input[name^='version-']").value = body.version;
        if (edits[code] === seen && !holdsFiles(item)) dirty[code] = false;
        say("saved", { t: body.time });
      } else {
        say("failed", { e: body.message });
      }
    }, function () { say("offline"); }).then(function () {
      inflight -= 1;
      if (inflight === 0 && queued) { var button = queued; queued = null; form.requestSubmit(button); }
    });
  }

  form.addEventListener("input", function (event) {
    var item = event.target.closest("section.item[data-code]");
    if (!item || event.target.type === "file") return;
    var code = item.dataset.code;
    dirty[code] = true;
    edits[code] = (edits[code] || 0) + 1;
    clearTimeout(timers[code]);
    timers[code] = setTimeout(function () { autosave(item); }, DELAY_MS);
  });

  form.addEventListener("change", function (event) {
    var input = event.target, item = input.closest("section.item[data-code]");
    if (input.type !== "file" || !item) return;
    var max = Number(input.getAttribute("data-max-bytes")), id = "size-error-" + item.dataset.code;
    var old = document.getElementById(id);
    if (old) old.remove();
    input.removeAttribute("aria-invalid");
    var big = Array.prototype.filter.call(input.files, function (f) { return f.size > max; });
    if (big.length) {
      // The form keeps everything else; only this choice of files is undone.
      input.value = "";
      var note = document.createElement("p");
      note.className = "field-error";
      note.id = id;
      note.setAttribute("role", "alert");
      note.textContent = form.getAttribute("data-too-large").replace("{f}", big.map(function (f) { return f.name; }).join("、"));
      input.insertAdjacentElement("afterend", note);
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    dirty[item.dataset.code] = dirty[item.dataset.code] || holdsFiles(item);
    if (chosenBytes() <= Number(form.getAttribute("data-max-request"))) refusal.hidden = true;
  });

  function chosenBytes() {
    var total = 0;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (f) { total += f.size; });
    });
    return total;
  }

  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    if (chosenBytes() > Number(form.getAttribute("data-max-request"))) {
      // The server would refuse the whole post unread: say so here, with the page kept.
      event.preventDefault();
      refusal.textContent = form.getAttribute("data-too-much");
      refusal.hidden = false;
      return;
    }
    if (inflight > 0) {  // let the autosave land first, or the page's version is stale
      event.preventDefault();
      queued = event.submitter || null;
      return;
    }
    Object.keys(timers).forEach(function (code) { clearTimeout(timers[code]); });
    leaving = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (leaving) return;
    var unsaved = Object.keys(dirty).some(function (code) { return dirty[code]; });
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });
})();
