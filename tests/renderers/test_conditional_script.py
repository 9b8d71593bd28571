"""The conditional script, run by Node against a tiny stand-in for the page's DOM.

The browser tests run it in Chromium; this keeps its logic (tests, negation, alternatives,
missing answers) checked wherever Node is installed, without a browser.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from renderers.html import static_folder

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed")

HARNESS = r"""
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
function control(c) {
  return Object.assign({disabled: false, checked: false, value: "", type: "text"}, c, {
    getAttribute(name) { return (c.attrs || {})[name] || null; },
  });
}
const controls = input.controls.map(control);
const boxes = input.boxes.map((b, i) => ({
  hidden: false,
  getAttribute(name) { return name === "data-condition" ? JSON.stringify(b) : null; },
  closest() { return null; },
}));
const listeners = {};
global.window = {location: {hash: ""}};
global.document = {
  readyState: "complete",
  documentElement: {className: ""},
  querySelectorAll(selector) {
    return selector.indexOf("conditional") !== -1 ? boxes : controls;
  },
  querySelector() { return null; },
  addEventListener(name, fn) { listeners[name] = fn; },
};
require(input.script);
const before = boxes.map((b) => !b.hidden);
for (const [name, value] of Object.entries(input.change || {})) {
  for (const c of controls) {
    if (c.name === name) {
      if (c.type === "radio" || c.type === "checkbox") { c.checked = c.value === value; }
      else { c.value = value; }
    }
  }
}
listeners.change && listeners.change();
console.log(JSON.stringify({before, after: boxes.map((b) => !b.hidden),
                            js: document.documentElement.className}));
"""


def shown(boxes, controls, change=None):
    script = str(Path(static_folder(), "conditional.js"))
    payload = json.dumps({"boxes": boxes, "controls": controls, "change": change or {},
                          "script": script})
    done = subprocess.run([NODE, "-e", HARNESS], input=payload, capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout)


def rule(name, op="in", values=(), required=True):
    return {"name": name, "op": op, "values": list(values), "required": required}


SIZE = [{"name": "size", "type": "radio", "value": v} for v in ("small", "medium", "large")]


def test_radios_reveal_and_hide():
    box = {"any": [[{"tests": [rule("size", values=["medium", "large"])], "negate": False}]]}
    result = shown([box], SIZE, {"size": "large"})
    assert result == {"before": [False], "after": [True], "js": " js-enabled"}
    assert shown([box], SIZE, {"size": "small"})["after"] == [False]


def test_else_branches_negate_and_missing_answers_follow_required():
    negated = {"any": [[{"tests": [rule("size", values=["large"])], "negate": True}]]}
    loose = {"any": [[{"tests": [rule("size", values=["large"], required=False)],
                       "negate": False}]]}
    result = shown([negated, loose], SIZE)
    assert result["before"] == [True, True]
    assert shown([negated, loose], SIZE, {"size": "large"})["after"] == [False, True]


def test_numbers_sets_and_single_checkboxes():
    age = {"any": [[{"tests": [rule("age", "min", [18])], "negate": False}]]}
    email = {"any": [[{"tests": [rule("email", "set")], "negate": False}]]}
    tips = {"any": [[{"tests": [rule("tips", values=["no"])], "negate": False}]]}
    controls = [{"name": "age", "value": "17"}, {"name": "email", "value": ""},
                {"name": "tips", "type": "checkbox", "value": "yes",
                 "attrs": {"data-unchecked": "no"}}]
    assert shown([age, email, tips], controls)["before"] == [False, False, True]
    after = shown([age, email, tips], controls, {"age": "1,200", "email": "a@b.c",
                                                 "tips": "yes"})["after"]
    assert after == [True, True, False]


def test_alternatives_and_unknown_clauses():
    either = {"any": [[{"tests": [rule("size", values=["small"])], "negate": False}],
                      [{"tests": [rule("size", values=["large"])], "negate": False}]]}
    unknown = {"any": [[{"tests": None, "negate": False}]]}
    assert shown([either, unknown], SIZE, {"size": "large"})["after"] == [True, True]
    assert shown([either, unknown], SIZE, {"size": "medium"})["after"] == [False, True]
