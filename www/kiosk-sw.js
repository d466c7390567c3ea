// The kiosk page's service worker (scope /kiosk): the network first, and when the collector
// cannot be reached, the copy kept when it last could, so that a kiosk reloaded (or its browser
// restarted) during an outage still shows its survey. Answers are not its business: the widget
// keeps them in its outbox and sends them when the collector is back. Only GETs are kept.
var CACHE = "nunchi-kiosk-v1";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(["/kiosk.html", "/kiosk.js", "/widget.js"]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// The page names what it has loaded (the widget's module and wasm, the site's surveys).
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.cache) || [];
  var mine = urls.filter(function (u) {
    var url = new URL(u, self.location.origin);
    return url.origin === self.location.origin && keep(url);
  });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(mine.map(function (u) { return cache.add(u).catch(function () {}); }));
  }).then(function () {
    if (event.ports[0]) event.ports[0].postMessage("cached");
  }));
});

function keep(url) {
  return /^\/(kiosk|widget)/.test(url.pathname) || /^\/v1\/sites\/[^/]+\/config$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !keep(url)) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }, function () {
    // ignoreVary: the copy was fetched by this worker, without the page's `Origin` header.
    return caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || caches.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (page) {
        return page || Response.error();
      });
    });
  }));
});
