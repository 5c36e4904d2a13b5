// Exports page: poll the progress of queued and running export jobs; reload when one finishes
// (the reload shows its download link and enables the button again).
(function () {
  "use strict";
  var rows = document.querySelectorAll("tr.export-job");
  function pending() {
    return Array.prototype.filter.call(rows, function (r) {
      return r.dataset.status === "queued" || r.dataset.status === "running";
    });
  }
  function poll() {
    var open = pending();
    if (!open.length) { return; }
    open.forEach(function (row) {
      fetch(row.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (job) {
          var bar = row.querySelector("progress");
          bar.max = job.total_rows || 1;
          bar.value = job.total_rows ? job.done_rows : 0;
          row.querySelector(".rows").textContent = job.done_rows + " / " + (job.total_rows === null ? "?" : job.total_rows);
          row.querySelector(".status").textContent = job.status_text + (job.error ? ": " + job.error : "");
          if (job.status !== row.dataset.status && (job.status === "done" || job.status === "failed")) {
            window.location.reload();
          }
          row.dataset.status = job.status;
        })
        .catch(function () { /* a failed poll is retried on the next tick */ });
    });
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
}());
