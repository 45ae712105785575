// The segment rule builder: edits a rule tree (all / any / not groups of conditions) and keeps it,
// as JSON, in a form field; every change fires "rules-changed" on that field (htmx counts on it).
(function () {
  "use strict";

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(function ([key, value]) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) {
      node.append(child instanceof Node ? child : document.createTextNode(child));
    });
    return node;
  }

  // An option is a value, or a [value, label] pair when the value is a code.
  function optionValue(option) {
    return Array.isArray(option) ? option[0] : option;
  }

  function select(options, value, onchange, attributes) {
    const box = element("select", Object.assign({class: "form-select form-select-sm", onchange: onchange}, attributes));
    options.forEach(function (option) {
      const [optionValue, label] = Array.isArray(option) ? option : [option, option];
      const item = element("option", {value: optionValue}, [label]);
      if (Array.isArray(value) ? value.includes(String(optionValue)) : String(value) === String(optionValue)) item.selected = true;
      box.append(item);
    });
    return box;
  }

  // The UI edits "boxes": {negated, group: "all"|"any", children} or {negated, condition: {...}}.
  function toBox(node) {
    if (node.not) return Object.assign(toBox(node.not), {negated: !toBox(node.not).negated});
    if (node.all) return {negated: false, group: "all", children: node.all.map(toBox)};
    if (node.any) return {negated: false, group: "any", children: node.any.map(toBox)};
    return {negated: false, condition: node};
  }

  function toNode(box) {
    const node = box.condition ? box.condition : {[box.group]: box.children.map(toNode)};
    return box.negated ? {not: node} : node;
  }

  function RuleBuilder(root) {
    this.root = root;
    this.config = JSON.parse(document.getElementById(root.dataset.config).textContent);
    this.input = document.querySelector(root.dataset.input);
    this.readOnly = root.dataset.readonly === "true";
    this.fields = Object.fromEntries(this.config.fields.map(function (field) { return [field.name, field]; }));
    let tree;
    try { tree = JSON.parse(this.input.value || '{"all": []}'); } catch (error) { tree = {all: []}; }
    this.box = toBox(tree);
    if (!this.box.group) this.box = {negated: false, group: "all", children: [this.box]};
    this.render();
  }

  RuleBuilder.prototype.changed = function () {
    this.input.value = JSON.stringify(toNode(this.box));
    this.input.dispatchEvent(new Event("rules-changed", {bubbles: true}));
    this.render();
  };

  RuleBuilder.prototype.render = function () {
    this.root.replaceChildren(this.renderBox(this.box, null));
    if (this.readOnly) this.root.querySelectorAll("select, input, button").forEach(function (control) { control.disabled = true; });
  };

  RuleBuilder.prototype.defaultCondition = function () {
    return {field: "recency_days", op: "lte", value: 90};
  };

  RuleBuilder.prototype.renderBox = function (box, parent) {
    const self = this;
    const negate = element("label", {class: "form-check-label small ms-2"}, [
      element("input", {type: "checkbox", class: "form-check-input me-1", checked: box.negated || null,
        onchange: function (event) { box.negated = event.target.checked; self.changed(); }}),
      "not",
    ]);
    const remove = parent ? element("button", {type: "button", class: "btn btn-sm btn-link text-danger", title: "Remove",
      onclick: function () { parent.children.splice(parent.children.indexOf(box), 1); self.changed(); }},
      [element("i", {class: "bi bi-x-lg"})]) : "";
    if (box.condition) {
      return element("div", {class: "rule-condition d-flex flex-wrap align-items-center gap-1 mb-1"},
        [...this.renderCondition(box.condition), negate, remove]);
    }
    const header = element("div", {class: "d-flex flex-wrap align-items-center gap-1 mb-1"}, [
      select([["all", "All of"], ["any", "Any of"]], box.group,
        function (event) { box.group = event.target.value; self.changed(); }, {style: "width: 7rem", "data-role": "group"}),
      negate,
      element("button", {type: "button", class: "btn btn-sm btn-outline-primary", "data-role": "add-condition",
        onclick: function () { box.children.push({negated: false, condition: self.defaultCondition()}); self.changed(); }},
        [element("i", {class: "bi bi-plus"}), " condition"]),
      element("button", {type: "button", class: "btn btn-sm btn-outline-secondary", "data-role": "add-group",
        onclick: function () { box.children.push({negated: false, group: "any", children: []}); self.changed(); }},
        [element("i", {class: "bi bi-plus"}), " group"]),
      remove,
    ]);
    const empty = box.children.length ? [] : [element("div", {class: "small text-secondary"},
      [box.group === "all" ? "Empty: matches every customer." : "Empty: matches no customer."])];
    return element("div", {class: "rule-group border-start border-3 ps-2 mb-2"},
      [header, ...empty, ...box.children.map(function (child) { return self.renderBox(child, box); })]);
  };

  RuleBuilder.prototype.renderCondition = function (condition) {
    const self = this;
    const field = this.fields[condition.field];
    const groups = {};
    this.config.fields.forEach(function (f) { (groups[f.group] = groups[f.group] || []).push(f); });
    const fieldSelect = element("select", {class: "form-select form-select-sm", style: "width: 15rem", "data-role": "field",
      onchange: function (event) {
        const next = self.fields[event.target.value];
        condition.field = next.name;
        condition.op = next.ops[0];
        condition.value = self.defaultValue(next, condition.op);
        self.changed();
      }});
    Object.entries(groups).forEach(function ([name, fields]) {
      const group = element("optgroup", {label: name});
      fields.forEach(function (f) {
        const option = element("option", {value: f.name}, [f.label]);
        if (f.name === condition.field) option.selected = true;
        group.append(option);
      });
      fieldSelect.append(group);
    });
    const opSelect = select(field.ops.map(function (op) { return [op, self.config.opLabels[op]]; }), condition.op,
      function (event) {
        condition.op = event.target.value;
        condition.value = self.defaultValue(field, condition.op, condition.value);
        self.changed();
      }, {style: "width: 10rem", "data-role": "op"});
    return [fieldSelect, opSelect, ...this.renderValue(field, condition)];
  };

  RuleBuilder.prototype.defaultValue = function (field, op, previous) {
    if (op === "is_empty" || op === "is_not_empty") return undefined;
    if (field.kind === "number" || field.kind === "money") {
      const single = Array.isArray(previous) ? previous[0] : (typeof previous === "number" ? previous : 0);
      return op === "between" ? [single, single] : single;
    }
    if (field.kind === "choice" || field.kind === "topic") return [];
    if (field.kind === "consent") return optionValue(this.config.channels[0]);
    if (field.kind === "category_share") return {category: optionValue(this.config.categories[0]) || "", share: 0.25};
    if (field.kind === "segment") return (this.config.segments[0] || {}).id;
    return undefined;
  };

  RuleBuilder.prototype.renderValue = function (field, condition) {
    const self = this;
    const number = function (value, set) {
      return element("input", {type: "number", step: "any", class: "form-control form-control-sm", style: "width: 7rem",
        value: value, "data-role": "value", onchange: function (event) { set(parseFloat(event.target.value) || 0); self.changed(); }});
    };
    if (condition.op === "is_empty" || condition.op === "is_not_empty") return [];
    if (field.kind === "number" || field.kind === "money") {
      if (condition.op === "between") {
        return [number(condition.value[0], function (v) { condition.value[0] = v; }), "and",
                number(condition.value[1], function (v) { condition.value[1] = v; })];
      }
      return [number(condition.value, function (v) { condition.value = v; })];
    }
    if (field.kind === "choice" || field.kind === "topic") {
      const options = this.config.choices[field.name] || [];
      return [select(options, (condition.value || []).map(String), function (event) {
        condition.value = Array.from(event.target.selectedOptions).map(function (option) { return option.value; });
        self.changed();
      }, {multiple: true, size: Math.min(4, Math.max(2, options.length)), style: "width: 12rem", "data-role": "value"})];
    }
    if (field.kind === "consent") {
      return [select(this.config.channels, condition.value, function (event) { condition.value = event.target.value; self.changed(); },
        {style: "width: 9rem", "data-role": "value"})];
    }
    if (field.kind === "category_share") {
      return [
        select(this.config.categories, condition.value.category, function (event) {
          condition.value.category = event.target.value; self.changed();
        }, {style: "width: 7rem", "data-role": "category"}),
        number(Math.round(condition.value.share * 100), function (v) { condition.value.share = Math.min(Math.max(v, 0), 100) / 100; }),
        "%",
      ];
    }
    return [select(this.config.segments.map(function (s) { return [s.id, s.name]; }), condition.value, function (event) {
      condition.value = parseInt(event.target.value, 10); self.changed();
    }, {style: "width: 14rem", "data-role": "value"})];
  };

  document.querySelectorAll("[data-rule-builder]").forEach(function (root) { root.ruleBuilder = new RuleBuilder(root); });
})();
