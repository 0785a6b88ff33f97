// The search of the index site's list: every word of the query must occur in a component's
// row (package, versions, decisions, licences, organisations, reviewers). `?q=` in the address
// fills the search, so that a search can be linked. Works from file:// as from a web server.
(function () {
  var input = document.getElementById("q");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.component"));
  var shown = document.getElementById("shown");
  var nothing = document.getElementById("nothing");
  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    for (var i = 0; i < rows.length; i++) {
      var text = rows[i].getAttribute("data-search");
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      rows[i].hidden = !match;
      if (match) { count++; }
    }
    shown.textContent = String(count);
    nothing.hidden = count !== 0;
  }
  var params = new URLSearchParams(window.location.search);
  if (params.has("q")) { input.value = params.get("q"); }
  input.addEventListener("input", function () {
    filter();
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      if (input.value) { url.searchParams.set("q", input.value); } else { url.searchParams.delete("q"); }
      try { window.history.replaceState(null, "", url.toString()); } catch (e) { /* file:// */ }
    }
  });
  filter();
})();
