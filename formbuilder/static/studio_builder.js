// The builder without a mouse needs no script: every move is an Up or Down button. With a
// mouse, a question, page or step can be dragged to its place: the drop posts the same move
// the buttons post, with how many places it goes.
(function () {
  "use strict";
  function moveForm(item) {
    var forms = item.querySelectorAll(":scope > .builder-actions form");
    return forms.length ? forms[0] : null;
  }
  function post(item, direction, steps) {
    var form = moveForm(item);
    if (!form) { return; }
    form.querySelector("input[name=direction]").value = direction;
    var count = document.createElement("input");
    count.type = "hidden"; count.name = "steps"; count.value = String(steps);
    form.appendChild(count);
    form.submit();
  }
  document.querySelectorAll(".builder-questions, .builder-steps").forEach(function (list) {
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      var item = event.target.closest("[draggable=true]");
      if (!item || item.parentElement !== list) { return; }
      dragged = item;
      item.classList.add("builder-question--dragging");
      event.dataTransfer.effectAllowed = "move";
    });
    list.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("builder-question--dragging"); }
      dragged = null;
    });
    list.addEventListener("dragover", function (event) { if (dragged) { event.preventDefault(); } });
    list.addEventListener("drop", function (event) {
      var target = event.target.closest("[draggable=true]");
      if (!dragged || !target || target === dragged || target.parentElement !== list) { return; }
      event.preventDefault();
      var items = Array.prototype.slice.call(list.children);
      var from = items.indexOf(dragged), to = items.indexOf(target);
      post(dragged, to < from ? "up" : "down", Math.abs(to - from));
    });
  });
}());
