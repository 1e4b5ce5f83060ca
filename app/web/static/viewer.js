// The report page: a value's cell and its span in the original (and its box on a PDF
// page) mark each other. Without this script the links still go there (:target styles).
"use strict";
(function () {
  var marked = [];
  function byId(id) { return id ? document.getElementById(id) : null; }
  function clear() { marked.forEach(function (el) { el.classList.remove("marked"); }); marked = []; }
  function mark(el) { if (el) { el.classList.add("marked"); marked.push(el); } return el; }
  function activePane() {
    var sel = document.querySelector(".tabs button[aria-selected='true']");
    return sel ? sel.getAttribute("data-pane") : "text-pane";
  }
  function show(el) { if (el) { el.scrollIntoView({ block: "center", inline: "nearest" }); } }
  function markKeys(keys, from) {
    var span = null, box = null, cells = [];
    keys.forEach(function (key) {
      var cell = byId("c-" + key);
      if (cell) { cells.push(mark(cell)); }
      var m = cell ? byId(cell.getAttribute("data-mark")) : null;
      if (m && !span) { span = m; }
      var b = mark(byId("b-" + key));
      if (b && !box) { box = b; }
    });
    if (span) { mark(span); mark(span.closest(".line")); }
    return { span: span, box: box, cells: cells };
  }
  function fromCell(cell) {
    clear();
    var got = markKeys([cell.getAttribute("data-key")]);
    if (activePane() === "pages-pane" && got.box) { show(got.box); } else if (got.span) { show(got.span); }
    history.replaceState(null, "", "#" + cell.id);
  }
  function fromSpan(span) {
    clear();
    var keys = (span.getAttribute("data-keys") || "").split(" ").filter(Boolean);
    var got = markKeys(keys);
    mark(span);
    if (got.cells.length) { show(got.cells[0]); }
    history.replaceState(null, "", "#" + span.id);
  }
  function fromBox(box) {
    var key = box.id.replace(/^b-/, "");
    var cell = byId("c-" + key);
    clear();
    markKeys([key]);
    if (cell) { show(cell); }
  }
  function fromFinding(li) {
    clear();
    mark(li);
    var keys = [];
    li.querySelectorAll("a.ref[data-key]").forEach(function (a) { keys.push(a.getAttribute("data-key")); });
    var got = markKeys(keys);
    var line = li.querySelector("a.ref[href^='#L']");
    if (line) { var l = mark(byId(line.getAttribute("href").slice(1))); if (!got.span) { show(l); } }
    if (got.span) { show(got.span); }
    if (got.cells.length) { got.cells[0].scrollIntoView({ block: "nearest" }); }
  }
  function selectPane(name) {
    document.querySelectorAll(".tabs button").forEach(function (b) {
      var on = b.getAttribute("data-pane") === name;
      b.setAttribute("aria-selected", on ? "true" : "false");
      var pane = byId(b.getAttribute("data-pane"));
      if (pane) { pane.hidden = !on; }
    });
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) { return; }
    var tab = t.closest(".tabs button");
    if (tab) { selectPane(tab.getAttribute("data-pane")); return; }
    var cell = t.closest("a.cell");
    if (cell) { ev.preventDefault(); fromCell(cell); return; }
    var span = t.closest("a.span");
    if (span) { ev.preventDefault(); fromSpan(span); return; }
    var rect = t.closest("svg a");
    if (rect) { ev.preventDefault(); var r = rect.querySelector("rect"); if (r) { fromBox(r); } return; }
    var ref = t.closest(".finding a.ref");
    if (ref) { ev.preventDefault(); fromFinding(ref.closest(".finding")); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var tabs = document.querySelector(".tabs");
    if (tabs && tabs.querySelectorAll("button").length > 1) { tabs.hidden = false; selectPane("text-pane"); }
    var target = location.hash ? byId(decodeURIComponent(location.hash.slice(1))) : null;
    if (target && target.matches("a.cell")) { fromCell(target); }
    else if (target && target.matches("a.span")) { fromSpan(target); }
  });
})();
