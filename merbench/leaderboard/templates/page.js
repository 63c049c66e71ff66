(function () {
  "use strict";
  var root = document.documentElement;
  var errors = [];
  window.addEventListener("error", function (event) {
    errors.push(String(event.message || "error"));
    root.setAttribute("data-js-errors", errors.join(" | "));
  });

  function cellValue(row, column, numeric) {
    var cell = row.querySelector('[data-col="' + column + '"]');
    if (!cell) { return null; }
    if (numeric) {
      var raw = cell.getAttribute("data-value");
      if (raw === null || raw === "") { return null; }
      var number = parseFloat(raw);
      return isNaN(number) ? null : number;
    }
    return (cell.getAttribute("data-value") || cell.textContent || "").trim().toLowerCase();
  }

  function sortTable(table, header, direction) {
    var column = header.getAttribute("data-col");
    var numeric = header.getAttribute("data-sort") === "num";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, column, numeric);
      var y = cellValue(b, column, numeric);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }  /* empty cells last, whichever the direction */
      if (y === null) { return -1; }
      var order = x < y ? -1 : x > y ? 1 : 0;
      return direction === "asc" ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.querySelectorAll("th[data-col]"), function (th) {
      th.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", direction === "asc" ? "ascending" : "descending");
  }

  function setUp() {
    var tables = document.querySelectorAll("table.sortable");
    Array.prototype.forEach.call(tables, function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("th[data-col]"), function (th) {
        th.tabIndex = 0;
        var toggle = function () {
          var numeric = th.getAttribute("data-sort") === "num";
          var current = th.getAttribute("aria-sort");
          var next = current === "descending" ? "asc" : current === "ascending" ? "desc"
            : numeric ? "desc" : "asc";
          sortTable(table, th, next);
        };
        th.addEventListener("click", toggle);
        th.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
        });
      });
    });
    /* Filters of a table (data-filter="TABLE"): a search box keeps the rows whose text
       holds what is typed; a <select data-key=K> the rows whose data-K is its value (or,
       for a list such as " a b ", holds it); an <input data-key=K data-min> the rows whose
       data-K is at least its number. All apply at once; <output id="TABLE-shown"> or
       "runs-shown" counts what stays. */
    var filters = {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter]"), function (control) {
      var id = control.getAttribute("data-filter");
      (filters[id] = filters[id] || []).push(control);
    });
    function keeps(row, control) {
      var wanted = control.value.trim();
      if (wanted === "") { return true; }
      var key = control.getAttribute("data-key");
      if (!key) { return row.textContent.toLowerCase().indexOf(wanted.toLowerCase()) >= 0; }
      var have = row.getAttribute("data-" + key);
      if (have === null) { return false; }
      if (control.hasAttribute("data-min")) {
        var least = parseFloat(wanted);
        return isNaN(least) || parseFloat(have) >= least;
      }
      return have === wanted || have.indexOf(" " + wanted + " ") >= 0;
    }
    function applyFilters(id) {
      var table = document.getElementById(id);
      if (!table) { return; }
      var rows = table.tBodies[0].rows, shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        row.hidden = !filters[id].every(function (control) { return keeps(row, control); });
        if (!row.hidden) { shown += 1; }
      });
      var count = document.getElementById(id === "runs-table" ? "runs-shown" : id + "-shown");
      if (count) { count.textContent = shown + " of " + rows.length + " runs shown"; }
      table.setAttribute("data-shown", String(shown));
    }
    Object.keys(filters).forEach(function (id) {
      filters[id].forEach(function (control) {
        control.addEventListener("input", function () { applyFilters(id); });
        control.addEventListener("change", function () { applyFilters(id); });
      });
    });
    /* The address's hash links a view: #sort=TABLE:COLUMN:asc|desc sorts a table on load,
       #filter=TABLE:KEY=VALUE;KEY=VALUE sets its filters (KEY "text": the search box);
       both may be given, joined by "&". */
    window.location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var sort = /^sort=([a-z0-9-]+):([a-z0-9-]+):(asc|desc)$/.exec(part);
      if (sort) {
        var table = document.getElementById(sort[1]);
        var th = table && table.querySelector('th[data-col="' + sort[2] + '"]');
        if (th) { sortTable(table, th, sort[3]); }
      }
      var filter = /^filter=([a-z0-9-]+):(.*)$/.exec(part);
      if (filter && filters[filter[1]]) {
        decodeURIComponent(filter[2]).split(";").forEach(function (pair) {
          var at = pair.indexOf("=");
          if (at < 0) { return; }
          var key = pair.slice(0, at), value = pair.slice(at + 1);
          filters[filter[1]].forEach(function (control) {
            if ((control.getAttribute("data-key") || "text") === key) { control.value = value; }
          });
        });
        applyFilters(filter[1]);
      }
    });
    root.setAttribute("data-scripts", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
