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
  // Receipt mode runs only on the collector's receipt page: host pages load the bundle without
  // it, about 1 KB smaller.
  var receipt = data.mode === "receipt";
  var module = new URL(receipt ? "/widget/__RECEIPT_MODULE__" : "/widget/__MODULE__", base).href;
  var wasm = new URL(receipt ? "/widget/__RECEIPT_WASM__" : "/widget/__WASM__", base).href;
  // After a panic the widget takes itself off the page and tells the host (`nunchi:error`), and
  // then its wasm module traps. The trap reaches the page as an uncaught error from our file,
  // and the host's error monitoring would log our failure as its own. This capturing listener
  // keeps our traps off the console and away from handlers the page adds later. It is plain
  // JS, not a wasm closure, because a module that has just trapped must not be called again.
  var told = false;
  addEventListener("nunchi:error", function () { told = true; });
  addEventListener("error", function (e) {
    if (e.filename !== wasm || !(e.error instanceof WebAssembly.RuntimeError)) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    // A trap without a panic first (a stack overflow) has not been reported yet.
    if (!told) console.warn("nunchi: the widget stopped after an internal error:", e.message);
    told = true;
  }, true);
  import(module)
    .then(function (glue) {
      return glue.default({ module_or_path: wasm }).then(function () {
        var handle = glue.boot(options);
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
