// The studio works without this script; it only adds conveniences: a problem's "Line N" link
// selects that line in the editor, and examples in the guide get a Copy button.
(function () {
  "use strict";
  var source = document.getElementById("source");
  if (source) {
    document.querySelectorAll(".studio-line-link").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var line = parseInt(link.getAttribute("data-line"), 10) || 1;
        var lines = source.value.split("\n");
        var start = 0;
        for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
        var end = start + (lines[line - 1] || "").length;
        event.preventDefault();
        source.focus();
        source.setSelectionRange(start, end);
        var gutterLine = document.getElementById("line-" + line);
        if (gutterLine) gutterLine.scrollIntoView({block: "center"});
      });
    });
  }
  var title = document.getElementById("title");
  var formId = document.getElementById("form_id");
  if (title && formId) {
    title.addEventListener("input", function () {
      // The same rule as studio.suggest_id: accents dropped, other characters as dashes.
      var slug = title.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
      formId.placeholder = slug.length >= 2 ? slug : "";
    });
  }
  document.querySelectorAll(".studio-copy").forEach(function (button) {
    var box = document.getElementById(button.getAttribute("data-copy"));
    if (!box || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(box.value).then(function () {
        button.textContent = "Copied";
      }, function () {
        box.focus();
        box.select();
      });
    });
  });
})();
