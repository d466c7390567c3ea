/*! nunchi widget loader: defines window.nunchi (the only global), queues calls made before the
    bundle is ready, then loads the content-hashed module and hands the queue over. */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src, location.href);
  var methods = ["track", "identify", "reset", "show"];
  var n = (window.nunchi = window.nunchi || {});
  n._q = n._q || [];
  methods.forEach(function (m) {
    // Each call keeps the address it was made on: a navigation before the bundle is ready
    // must cancel what the call would have shown on that page.
    n[m] = n[m] || function () { n._q.push([m, Array.prototype.slice.call(arguments), location.href]); };
  });
  var data = script.dataset;
  var options = {
    site: data.site,
    collector: base.origin,
    locale: data.locale || navigator.language,
    channel: data.channel,
    store: data.store,
    kiosk: data.kiosk,
    placement: data.placement,
    mode: data.mode
  };
  import(new URL("/widget/__MODULE__", base).href)
    .then(function (module) {
      return module.default({ module_or_path: new URL("/widget/__WASM__", base).href }).then(function () {
        var handle = module.boot(options);
        var queued = n._q;
        n._q = [];
        methods.forEach(function (m) {
          n[m] = function () { handle(m, Array.prototype.slice.call(arguments)); };
        });
        queued.forEach(function (call) { handle(call[0], call[1], call[2]); });
      });
    })
    .catch(function (error) { console.warn("nunchi: the widget could not start", error); });
})();
