// GET / in a browser: the upload form. The file is POSTed as it is, with the key in the
// Authorization header (a plain form cannot send it); the answer links to the report page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("upload-form");
  var out = document.getElementById("upload-result");
  if (!form || !out || !window.fetch) { return; }
  form.hidden = false;
  function say(text, href) {
    out.textContent = text;
    if (href) {
      var a = document.createElement("a");
      a.href = href; a.textContent = " open the report";
      out.appendChild(a);
    }
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = form.elements.file.files[0];
    if (!file) { return; }
    var source = form.elements.source_url.value.trim();
    var url = form.getAttribute("data-post") + (source ? "?source_url=" + encodeURIComponent(source) : "");
    say("Uploading " + file.name + " …");
    fetch(url, {
      method: "POST",
      headers: { "Authorization": "Bearer " + form.elements.key.value, "Content-Type": file.type || "application/octet-stream" },
      body: file
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      if (res.status === 201 || res.status === 200) {
        say((res.status === 201 ? "Stored: " : "Stored before: ") + "report " + res.body.id + " (" + res.body.status + ", " + res.body.figure_count + " figures).", res.body.links.self + "/view");
      } else {
        say("Refused (" + res.status + "): " + (res.body.detail || res.body.title || "error"));
      }
    }).catch(function (e) { say("Upload failed: " + e); });
  });
});
