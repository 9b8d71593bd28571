/* formbuilder: show a conditional question only while its condition holds.
 *
 * No library, no inline script, no eval: safe under a strict Content-Security-Policy. Load it
 * with <script src=".../conditional.js" defer>. Each container
 * <div class="conditional" data-condition="{...}"> says when its question applies:
 *   {"any": [[clause, ...], ...]}    the question applies when, for any alternative, all
 *                                    clauses hold;
 *   clause = {"tests": [test, ...] | null, "negate": bool}
 *                                    all tests hold (or, when negate, not all of them do);
 *                                    null: too complex to decide here, so it holds;
 *   test = {"name": input name, "op": "in"|"has"|"set"|"min"|"max"|"xmin"|"xmax",
 *           "values": [...], "required": bool}
 * A question with no answer passes a test unless "required", as in JSON Schema.
 * A choice that only some answers offer (a radio or checkbox item, or a select's option) has
 * data-offered="{"any": [[clause, ...], ...], "none": [[clause, ...], ...], "pick": [...]}":
 * it is offered while some "any" alternative holds (or "any" is empty), no "none" alternative
 * does, and, when "pick" is given (choices limited by oneOf/anyOf alternatives), some "pick"
 * alternative holds. A clause too complex to decide here counts as holding for "any" and
 * "pick" and not for "none", so a choice is never hidden wrongly. A choice not offered is
 * hidden and disabled, so it is not sent; a question left with no choice to offer is hidden.
 * Without JavaScript every question stays visible with a hint saying when to answer it; the
 * server ignores answers to questions that do not apply either way.
 */
(function () {
  "use strict";

  document.documentElement.className += " js-enabled";

  function controls(scope, name) {
    var found = [];
    var all = scope.querySelectorAll("input, select, textarea");
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.name === name || (el.name && el.name.indexOf(name + ".") === 0)) {
        found.push(el);
      }
    }
    return found;
  }

  function valuesOf(scope, name, exact) {
    var values = [];
    var els = controls(scope, name);
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.disabled || (exact && el.name !== name)) {
        continue;
      }
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) {
          values.push(el.value);
        } else if (el.getAttribute("data-unchecked")) {
          values.push(el.getAttribute("data-unchecked"));
        }
      } else if (el.type === "file") {
        if (el.value || el.getAttribute("data-uploaded")) {
          values.push("file");
        }
      } else if (el.type !== "hidden" || el.name === name) {
        if (el.value && el.value.replace(/\s+/g, "") !== "") {
          values.push(el.value.trim());
        }
      }
    }
    return values;
  }

  function number(text) {
    var plain = text.replace(/[\s,$]/g, "");
    return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(plain) ? parseFloat(plain) : null;
  }

  function testHolds(scope, test) {
    var values = valuesOf(scope, test.name, test.op !== "set");
    if (values.length === 0) {
      return !test.required;
    }
    if (test.op === "set") {
      return true;
    }
    if (test.op === "in" || test.op === "has") {
      for (var i = 0; i < values.length; i++) {
        if (test.values.indexOf(values[i]) !== -1) {
          return true;
        }
      }
      return false;
    }
    var n = number(values[0]);
    if (n === null) {
      return true;
    }
    var limit = test.values[0];
    return test.op === "min" ? n >= limit : test.op === "max" ? n <= limit
      : test.op === "xmin" ? n > limit : n < limit;
  }

  function clauseHolds(scope, clause) {
    if (!clause.tests) {
      return true;
    }
    var all = true;
    for (var i = 0; i < clause.tests.length; i++) {
      all = all && testHolds(scope, clause.tests[i]);
    }
    return clause.negate ? !all : all;
  }

  function anyHolds(scope, alternatives, unknown) {
    for (var i = 0; i < alternatives.length; i++) {
      var chain = alternatives[i];
      var holds = true;
      for (var j = 0; j < chain.length; j++) {
        holds = holds && (chain[j].tests ? clauseHolds(scope, chain[j]) : unknown);
      }
      if (holds) {
        return true;
      }
    }
    return false;
  }

  function applies(scope, condition) {
    var alternatives = condition.any || [];
    return alternatives.length === 0 || anyHolds(scope, alternatives, true);
  }

  function offered(scope, condition) {
    var any = condition.any || [];
    return (any.length === 0 || anyHolds(scope, any, true)) &&
      !anyHolds(scope, condition.none || [], false) &&
      (!condition.pick || anyHolds(scope, condition.pick, true));
  }

  function scopeOf(element) {
    return element.closest ? (element.closest("form") || document) : document;
  }

  function parse(element, name) {
    try {
      return JSON.parse(element.getAttribute(name));
    } catch (e) {
      return null;
    }
  }

  function offerChoice(choice) {
    var condition = parse(choice, "data-offered");
    if (!condition) {
      return null;
    }
    var on = offered(scopeOf(choice), condition);
    choice.hidden = !on;
    if (choice.tagName === "OPTION") {
      choice.disabled = !on;
      if (!on && choice.selected && choice.parentNode) {
        choice.parentNode.value = "";
      }
    } else if (choice.querySelectorAll) {
      var inputs = choice.querySelectorAll("input");
      for (var i = 0; i < inputs.length; i++) {
        inputs[i].disabled = !on;
      }
    }
    return choice.closest ? choice.closest(".form-group") : null;
  }

  function updateChoices() {
    var choices = document.querySelectorAll("[data-offered]");
    var groups = [];
    for (var i = 0; i < choices.length; i++) {
      var group = offerChoice(choices[i]);
      if (group && groups.indexOf(group) === -1) {
        groups.push(group);
      }
    }
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = !groups[j].querySelector(
        ".radios__item:not([hidden]), .checkboxes__item:not([hidden]), " +
        "option:not([hidden]):not([value=''])");
    }
  }

  function update() {
    var containers = document.querySelectorAll(".conditional[data-condition]");
    for (var i = 0; i < containers.length; i++) {
      var box = containers[i];
      var condition = parse(box, "data-condition");
      if (condition) {
        box.hidden = !applies(scopeOf(box), condition);
      }
    }
    updateChoices();
  }

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary && !window.location.hash) {
      summary.focus();
    }
  }

  function start() {
    update();
    document.addEventListener("change", update);
    document.addEventListener("input", update);
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
