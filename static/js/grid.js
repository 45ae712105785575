// The desk's lists as Tabulator grids. A `<div data-grid="NAME">` names its configuration (a JSON island
// `NAME-grid` written by core/grids.py): columns, default sort, and either the URL of its rows (the server
// pages, sorts and filters them) or every row. Each grid gets a column chooser, the user's saved views, and
// the keyboard: arrows move between rows, Enter opens one, `e` edits it where the user may.
(function () {
  "use strict";

  const numbers = new Intl.NumberFormat("en-US");
  const amounts = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const csrfToken = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const rowCount = (count) => `${numbers.format(count)} row${count === 1 ? "" : "s"}`;
  const blank = (value) => value === null || value === undefined || value === "";

  const FORMATS = {
    link: (cell) => {
      const row = cell.getRow().getData();
      if (!row.url) return document.createTextNode(cell.getValue() ?? "");
      const link = element("a", "", cell.getValue() ?? "");
      link.href = row.url;
      return link;
    },
    money: (cell) => (blank(cell.getValue()) ? "" : amounts.format(cell.getValue() / 100)),
    count: (cell) => (blank(cell.getValue()) ? "" : numbers.format(cell.getValue())),
    percent: (cell) => (blank(cell.getValue()) ? "" : `${(cell.getValue() * 100).toFixed(1)}%`),
    signed_money: (cell) => {
      if (blank(cell.getValue())) return element("span", "text-secondary", "not measured");
      return element("span", cell.getValue() < 0 ? "text-danger" : "text-success", amounts.format(cell.getValue() / 100));
    },
    badge: (cell) => {
      const tone = cell.getRow().getData()[`${cell.getField()}_tone`] || "secondary";
      return element("span", `badge text-bg-${tone}`, cell.getValue() ?? "");
    },
    progress: (cell) => {
      const row = cell.getRow().getData();
      const bar = element("div", "progress job-progress");
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-valuenow", String(cell.getValue()));
      const tone = row.status_tone === "danger" ? " bg-danger" : row.status_tone === "success" ? " bg-success" : "";
      const fill = element("div", `progress-bar${tone}${row.live ? " progress-bar-striped progress-bar-animated" : ""}`, `${cell.getValue()}%`);
      fill.style.width = `${cell.getValue()}%`;
      bar.appendChild(fill);
      return bar;
    },
    lines: (cell) => {
      const box = element("div");
      (cell.getValue() || []).forEach((line) => box.appendChild(element("div", "", line)));
      return box;
    },
  };
  const RIGHT = new Set(["money", "count", "percent", "signed_money"]);

  function columnDefinition(column, remote) {
    const definition = {
      title: column.title,
      field: column.field,
      visible: column.visible,
      headerSort: column.sortable,
      headerTooltip: column.tooltip || column.title,
      tooltip: true,
      minWidth: 60,
    };
    if (column.width) definition.width = column.width;
    if (FORMATS[column.format]) definition.formatter = FORMATS[column.format];
    if (RIGHT.has(column.format)) Object.assign(definition, { hozAlign: "right", sorter: "number" });
    if (column.total && !remote) {
      Object.assign(definition, { bottomCalc: "sum", bottomCalcFormatter: definition.formatter });
    }
    if (column.filter === "text") {
      definition.headerFilter = "input";
      if (!remote) definition.headerFilterFunc = "like";
    } else if (column.filter === "choice") {
      definition.headerFilter = "list";
      definition.headerFilterParams = {
        values: column.choices.map(([value, label]) => ({ value: remote ? value : label, label: label })),
        clearable: true,
      };
      if (!remote) definition.headerFilterFunc = "=";
    }
    return definition;
  }

  // Remote rows: the page, the sort and the filters as the server reads them (see core/grids.py). Where the
  // server pages by keyset it answers with `after`, sent back to ask for the next page of the same order.
  function remoteRequest(root, status) {
    const following = { order: "", pages: {} };
    return function (url, config, params) {
      const query = new URLSearchParams({ page: params.page, size: params.size });
      (params.sort || []).forEach((sort) => query.append("sort", (sort.dir === "desc" ? "-" : "") + sort.field));
      (params.filter || []).forEach((filter) => query.append(`filter.${filter.field}`, filter.value));
      const order = query.toString().replace(/(^|&)page=\d+/, "");
      if (order !== following.order) Object.assign(following, { order: order, pages: {} });
      if (following.pages[params.page - 1]) query.set("after", JSON.stringify(following.pages[params.page - 1]));
      return fetch(`${url}?${query}`, { headers: { Accept: "application/json" } }).then(async (response) => {
        const answer = await response.json();
        if (!response.ok) {
          status.textContent = answer.error || "The list could not be loaded.";
          status.className = "small text-danger";
          return { data: [], last_page: 1 };
        }
        if (answer.after) following.pages[params.page] = answer.after;
        root.classList.toggle("grid-estimated", !answer.count_exact);
        status.textContent = (answer.count_exact ? "" : "About ") + rowCount(answer.count);
        status.className = "small text-secondary";
        return answer;
      });
    };
  }

  function buildTable(root, config) {
    const toolbar = root.querySelector(".grid-toolbar");
    const status = toolbar.querySelector("[data-grid-status]");
    const host = element("div", "grid-host");
    root.querySelector(".grid-fallback")?.remove();
    root.appendChild(host);
    const options = {
      index: "id",
      layout: "fitColumns",
      height: root.dataset.height || "calc(100vh - 12.5rem)",
      placeholder: config.placeholder,
      columnDefaults: { headerSortTristate: false },
      columns: config.columns.map((column) => columnDefinition(column, config.remote)),
      initialSort: config.sort.map((sort) => ({ column: sort.field, dir: sort.dir })),
    };
    if (config.remote) {
      Object.assign(options, {
        ajaxURL: root.dataset.rowsUrl,
        ajaxRequestFunc: remoteRequest(root, status),
        pagination: true,
        paginationMode: "remote",
        sortMode: "remote",
        filterMode: "remote",
        paginationSize: config.pageSize,
        paginationSizeSelector: [25, 50, 100, 200],
        headerFilterLiveFilterDelay: 400,
      });
    } else {
      options.data = JSON.parse(document.getElementById(`${config.name}-grid-rows`).textContent);
    }
    if (!config.remote && config.columns.some((column) => column.total)) {
      options.columns[0].bottomCalc = () => "Total";
    }
    const table = new Tabulator(host, options);
    if (!config.remote) {
      const show = () => { status.textContent = rowCount(table.getDataCount("active")); };
      table.on("tableBuilt", show);
      table.on("dataFiltered", () => setTimeout(show));
    }
    return table;
  }

  function columnChooser(toolbar, table, config) {
    const menu = toolbar.querySelector("[data-grid-columns]");
    menu.replaceChildren();
    config.columns.forEach((column) => {
      const item = element("label", "dropdown-item small d-flex gap-2 align-items-center");
      const box = element("input", "form-check-input m-0");
      box.type = "checkbox";
      box.dataset.field = column.field;
      box.checked = table.getColumn(column.field).isVisible();
      box.addEventListener("change", () => {
        if (box.checked) table.showColumn(column.field);
        else table.hideColumn(column.field);
      });
      item.append(box, document.createTextNode(column.title));
      menu.appendChild(item);
    });
  }

  function currentState(table, config) {
    return {
      columns: table.getColumns().map((column) => ({
        field: column.getField(),
        visible: column.isVisible(),
        width: Math.round(column.getWidth()) || null,
      })),
      sort: table.getSorters().map((sort) => ({ field: sort.field, dir: sort.dir })),
      filters: table.getHeaderFilters().map((filter) => ({ field: filter.field, value: String(filter.value) })),
      size: config.remote ? table.getPageSize() : null,
    };
  }

  function applyState(table, config, state) {
    const known = new Set(config.columns.map((column) => column.field));
    (state.columns || []).filter((column) => known.has(column.field)).forEach((column) => {
      if (column.visible !== false) table.showColumn(column.field);
      else table.hideColumn(column.field);
    });
    table.blockRedraw();
    table.clearHeaderFilter();
    (state.filters || []).filter((filter) => known.has(filter.field)).forEach((filter) => {
      table.setHeaderFilterValue(filter.field, filter.value);
    });
    table.restoreRedraw();
    const sort = (state.sort || []).filter((item) => known.has(item.field));
    table.setSort(sort.length ? sort.map((item) => ({ column: item.field, dir: item.dir })) : config.sort.map((item) => ({ column: item.field, dir: item.dir })));
    if (config.remote && state.size) table.setPageSize(state.size);
  }

  function savedViews(root, toolbar, table, config) {
    const url = root.dataset.viewsUrl;
    const select = toolbar.querySelector("[data-grid-view]");
    const name = toolbar.querySelector("[data-grid-view-name]");
    const remove = toolbar.querySelector("[data-grid-view-delete]");
    const message = toolbar.querySelector("[data-grid-status]");
    let views = [];

    function fill(selected) {
      select.replaceChildren(element("option", "", "Default view"));
      select.firstChild.value = "";
      views.forEach((view) => {
        const option = element("option", "", view.name);
        option.value = String(view.id);
        select.appendChild(option);
      });
      select.value = selected ? String(selected) : "";
      remove.disabled = !select.value;
    }

    function load(selected) {
      return fetch(url, { headers: { Accept: "application/json" } })
        .then((response) => response.json())
        .then((answer) => { views = answer.views || []; fill(selected); });
    }

    select.addEventListener("change", () => {
      const view = views.find((item) => String(item.id) === select.value);
      remove.disabled = !view;
      if (view) {
        name.value = view.name;
        applyState(table, config, view.state);
      } else {
        name.value = "";
        applyState(table, config, { columns: config.columns, sort: config.sort, filters: [] });
      }
      columnChooser(toolbar, table, config);
    });

    toolbar.querySelector("[data-grid-view-form]").addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ name: name.value, state: currentState(table, config) }),
      });
      const answer = await response.json();
      message.className = response.ok ? "small text-success" : "small text-danger";
      message.textContent = response.ok ? `View “${answer.name}” saved.` : answer.error;
      if (response.ok) load(answer.id);
    });

    remove.addEventListener("click", async () => {
      const view = views.find((item) => String(item.id) === select.value);
      if (!view) return;
      const response = await fetch(`${url}${view.id}/delete/`, { method: "POST", headers: { "X-CSRFToken": csrfToken() } });
      if (response.ok) {
        message.className = "small text-secondary";
        message.textContent = `View “${view.name}” deleted.`;
        name.value = "";
        load(null);
      }
    });
    load(null);
  }

  // Arrows move a highlight over the rows shown, Enter opens the highlighted row, `e` opens its edit page.
  function keyboard(root, table) {
    let current = -1;
    let afterG = false;
    const rows = () => table.getRows("active");
    const typing = (target) => target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(target.tagName);

    function highlight(index) {
      const shown = rows();
      if (!shown.length) return;
      current = Math.max(0, Math.min(index, shown.length - 1));
      root.querySelectorAll(".grid-current").forEach((node) => node.classList.remove("grid-current"));
      const row = shown[current];
      table.scrollToRow(row, "nearest", false).catch(() => {});
      row.getElement().classList.add("grid-current");
      root.dataset.currentRow = String(row.getData().id);
    }

    const reset = () => { current = -1; delete root.dataset.currentRow; };
    // A page asked for again (a refresh) keeps the highlight on the same row, if it is still there.
    table.on("dataProcessed", () => {
      const at = rows().findIndex((row) => String(row.getData().id) === root.dataset.currentRow);
      if (at < 0) reset();
      else highlight(at);
    });
    table.on("dataSorted", reset);
    table.on("dataFiltered", reset);
    table.on("rowClick", (event, row) => highlight(rows().indexOf(row)));
    table.on("rowDblClick", (event, row) => { if (row.getData().url) window.location.assign(row.getData().url); });

    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (document.querySelector(".modal.show, .dropdown-menu.show")) return;
      const wasG = afterG;
      afterG = event.key === "g";
      if (wasG) return;  // the second key of a `g` shortcut belongs to the navigation
      const row = rows()[current];
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(current < 0 ? 0 : current + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && row && row.getData().url && event.target.tagName !== "A") {
        event.preventDefault();
        window.location.assign(row.getData().url);
      } else if (event.key === "e" && row && row.getData().edit_url) {
        event.preventDefault();
        window.location.assign(row.getData().edit_url);
      }
    });
  }

  // Saved views, the column chooser and the keyboard for a Tabulator built elsewhere (the offer bank's, with
  // its own editing), given the box holding the toolbar (core/_grid_toolbar.html).
  function attach(root, table, config) {
    const toolbar = root.querySelector(".grid-toolbar");
    columnChooser(toolbar, table, config);
    savedViews(root, toolbar, table, config);
    keyboard(root, table);
    root.dataset.ready = "true";
  }
  window.deskGrid = { attach: attach };

  document.querySelectorAll("[data-grid]").forEach((root) => {
    const config = JSON.parse(document.getElementById(`${root.dataset.grid}-grid`).textContent);
    const table = buildTable(root, config);
    table.on("tableBuilt", () => {
      if (config.remote && config.refreshSeconds) {
        setInterval(() => {
          const live = table.getData().some((row) => row.live);
          if (live && document.visibilityState === "visible") table.setPage(table.getPage());
        }, config.refreshSeconds * 1000);
      }
      attach(root, table, config);
    });
  });
})();
