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
    /* <input data-filter="TABLE">: rows whose text holds what is typed stay, others hide. */
    Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"),
      function (input) {
        var table = document.getElementById(input.getAttribute("data-filter"));
        if (!table) { return; }
        input.addEventListener("input", function () {
          var wanted = input.value.trim().toLowerCase();
          Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
            row.hidden = wanted !== "" && row.textContent.toLowerCase().indexOf(wanted) < 0;
          });
        });
      });
    /* #sort=TABLE:COLUMN:asc|desc sorts a table on load, so a sorted view can be linked. */
    var match = /^#sort=([a-z0-9-]+):([a-z0-9-]+):(asc|desc)$/.exec(window.location.hash);
    if (match) {
      var table = document.getElementById(match[1]);
      var th = table && table.querySelector('th[data-col="' + match[2] + '"]');
      if (th) { sortTable(table, th, match[3]); }
    }
    root.setAttribute("data-scripts", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
