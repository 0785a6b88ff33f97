// The filter above a long table of an HTML report. Markup: <form class="table-filter"
// data-table="ID" data-shown="{shown} of {total}" hidden> with an <input type="search">, any
// number of <select data-attribute="NAME"> (rows match when their data-NAME equals the chosen
// value; an empty value matches every row) and an <output>. The form stays hidden without
// scripts, so the table is then simply complete; printing always shows every row (report.css).
// It reads the rows' text only (textContent) and writes no markup.
(function () {
  var forms = document.querySelectorAll("form.table-filter[data-table]");
  Array.prototype.forEach.call(forms, function (form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table || !table.tBodies.length) {
      return;
    }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    var search = form.querySelector("input[type=search]");
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-attribute]"));
    var output = form.querySelector("output");
    var lang = document.documentElement.lang || undefined;
    function apply() {
      var words = search ? search.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = words.every(function (w) { return texts[i].indexOf(w) !== -1; }) &&
          selects.every(function (s) {
            return !s.value || row.getAttribute("data-" + s.getAttribute("data-attribute")) === s.value;
          });
        row.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      if (output) {
        output.textContent = (form.getAttribute("data-shown") || "{shown} / {total}")
          .replace("{shown}", shown.toLocaleString(lang))
          .replace("{total}", rows.length.toLocaleString(lang));
      }
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  });
})();
