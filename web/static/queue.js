// Lapak queue: while a shipment waits for the marketplace, ask the API how it stands and
// refresh the page once the marketplace has answered (confirmed or refused). If the reseller
// is typing a tracking number meanwhile, say so instead of reloading under their fingers.
(function () {
  "use strict";
  var waiting = Array.prototype.slice.call(
    document.querySelectorAll('[data-ship-state="requested"]')
  ).map(function (el) { return el.getAttribute("data-order-id"); });
  if (!waiting.length || !window.fetch) { return; }
  var busy = function () {
    var active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "SELECT")) { return true; }
    return Array.prototype.some.call(
      document.querySelectorAll('input[name="tracking_number"]'),
      function (input) { return input.value !== input.defaultValue; }
    );
  };
  var answered = function () {
    if (busy()) { document.getElementById("updates").hidden = false; return; }
    window.location.reload();
  };
  var delay = 1500;
  var poll = function () {
    Promise.all(waiting.map(function (id) {
      return fetch("/api/orders/" + id, {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (r) { return r.ok ? r.json() : { ship_state: "gone" }; });
    })).then(function (orders) {
      if (orders.some(function (o) { return o.ship_state !== "requested"; })) { answered(); return; }
      delay = Math.min(delay * 1.5, 15000);
      window.setTimeout(poll, delay);
    }, function () { window.setTimeout(poll, 15000); });
  };
  window.setTimeout(poll, delay);
})();
