// The kiosk page (/kiosk.html?site=SITE&store=STORE&kiosk=KIOSK): a touch screen in an unmanned
// store. The widget, in kiosk mode (data-kiosk), shows the kiosk survey inline and sends every
// press as a response of its own through its outbox; this page does the rest: the attract and
// thank-you screens, the reset after an idle time, the heartbeat, the screen wake lock, and a
// service worker that keeps the page answering across a reload while the network is down.
//
// Query (or data-* attributes on this script tag): site (default demo-shop), store and kiosk
// (required), survey (default kiosk-smiley), lang, idle (seconds before a half-answered survey
// is reset, default 30), thanks (ms the thank-you shows, default 3000), heartbeat (seconds,
// default 60).
//
// A customer who walks away from a follow-up: after the idle time the page goes back to the
// first question, and the answers given so far are sent or dropped as the survey's
// `kiosk.partial` says ("send", the default, or "drop"; read from the site's configuration).
(function () {
  "use strict";
  // The release (the workspace's version; a test keeps them equal). The heartbeat adds the
  // widget build that is running, from its content-hashed file name: `0.1.0+1bec5a1af73c992b`.
  var VERSION = "0.1.0";
  var me = document.currentScript;
  var query = new URLSearchParams(location.search);
  function option(name, fallback) {
    return query.get(name) || (me && me.getAttribute("data-" + name)) || fallback;
  }
  var site = option("site", "demo-shop");
  var store = option("store", "");
  var kiosk = option("kiosk", "");
  var survey = option("survey", "kiosk-smiley");
  var lang = option("lang", navigator.language || "ko");
  var idleMs = Number(option("idle", 30)) * 1000;
  var thanksMs = Number(option("thanks", 3000));
  var heartbeatMs = Number(option("heartbeat", 60)) * 1000;
  var korean = /^ko\b/i.test(lang);
  var texts = korean ? {
    invite: "잠깐! 의견을 들려주세요",
    hint: "얼굴을 눌러 주세요 · 5초면 끝나요",
    thanks: "감사합니다!",
    thanksText: "소중한 의견은 더 좋은 매장을 만드는 데 쓰입니다.",
    privacy: "응답은 익명으로 저장됩니다",
    online: "연결됨",
    offline: "오프라인: 응답은 저장 후 전송됩니다",
    missing: "키오스크 설정 오류: 주소에 store와 kiosk가 필요합니다"
  } : {
    invite: "Tell us how we did",
    hint: "Tap a face · it takes five seconds",
    thanks: "Thank you!",
    thanksText: "Your feedback helps us make this store better.",
    privacy: "Your answer is anonymous",
    online: "Online",
    offline: "Offline: answers are kept and sent later",
    missing: "Kiosk set-up error: the address needs store and kiosk"
  };
  var $ = function (id) { return document.getElementById(id); };
  var body = document.body;
  document.documentElement.lang = korean ? "ko" : "en";
  $("invite").textContent = texts.invite;
  $("hint").textContent = texts.hint;
  $("thanks-title").textContent = texts.thanks;
  $("thanks-text").textContent = texts.thanksText;
  $("privacy").textContent = texts.privacy;
  $("where").textContent = [store, kiosk].filter(Boolean).join(" · ");
  function tick() {
    $("clock").textContent = new Date().toLocaleTimeString(korean ? "ko-KR" : "en", { hour: "2-digit", minute: "2-digit" });
  }
  tick();
  setInterval(tick, 10000);
  function screen(name) { body.setAttribute("data-screen", name); }
  if (!store || !kiosk) {
    $("invite").textContent = texts.missing;
    screen("error");
    return;
  }

  // The widget, in kiosk mode. Calls made before it has loaded wait in its queue.
  window.nunchi = window.nunchi || { _q: [] };
  ["track", "identify", "reset", "show"].forEach(function (m) {
    nunchi[m] = nunchi[m] || function () { nunchi._q.push([m, [].slice.call(arguments), location.href]); };
  });
  var tag = document.createElement("script");
  tag.src = "/widget.js";
  tag.async = true;
  tag.setAttribute("data-site", site);
  tag.setAttribute("data-channel", "kiosk");
  tag.setAttribute("data-store", store);
  tag.setAttribute("data-kiosk", kiosk);
  tag.setAttribute("data-locale", lang);
  tag.setAttribute("data-placement", "inline:#survey");
  document.body.appendChild(tag);

  // Attract: the first question, for whoever walks up. `show` bypasses the device's throttling:
  // every customer is new.
  var lastTouch = Date.now();
  var thanksTimer = 0;
  function ask() { nunchi.show(survey); }
  ask();
  function card() {
    var host = document.querySelector("#survey nunchi-survey");
    return host && host.shadowRoot;
  }
  // The card's close button (×) is for a visitor who does not want to answer; at a kiosk
  // nobody is asked who did not walk up, and the attract screen is the rest state. The card's
  // shadow root is open: one more constructed sheet hides it, before the card is painted (a
  // mutation observer runs before the next frame; the widget styles its root before adding it).
  // Also: larger faces in the colours of store terminals, and no hover highlight (a touch
  // screen keeps :hover on the last tile pressed, and the next customer would see it picked).
  var kioskSheet = new CSSStyleSheet();
  kioskSheet.replaceSync(
    ".close{display:none}.question{margin-right:0}" +
    ".face .option{min-height:60px}.face svg{width:40px;height:40px;stroke-width:1.6}" +
    ".n4 .option[data-value='1']{color:#dc2626}.n4 .option[data-value='2']{color:#ea580c}" +
    ".n4 .option[data-value='3']{color:#65a30d}.n4 .option[data-value='4']{color:#15803d}" +
    ".face .option.picked{color:#fff}.option:not(.picked):hover{background:#f3f4f6}"
  );
  new MutationObserver(function () {
    var root = card();
    if (root && root.adoptedStyleSheets.indexOf(kioskSheet) < 0) {
      root.adoptedStyleSheets = root.adoptedStyleSheets.concat(kioskSheet);
    }
  }).observe($("survey"), { childList: true });
  var firstShown = true;
  window.addEventListener("nunchi:shown", function () {
    if (body.getAttribute("data-screen") !== "thanks") screen("attract");
    offlineReady();
    // The first heartbeat waits for the widget, so that it names the build that runs.
    if (firstShown) beat();
    firstShown = false;
  });
  // Every answer: the widget has kept it in its outbox and closes its card at once; the next
  // customer's question comes back under the thank-you, and a repeated press on it is sent too
  // (the collector flags it). A partial answer sent after the idle time thanks nobody.
  var walkedAway = false;
  window.addEventListener("nunchi:answered", function () {
    if (walkedAway) {
      walkedAway = false;
      screen("attract");
    } else {
      screen("thanks");
      clearTimeout(thanksTimer);
      thanksTimer = setTimeout(function () { screen("attract"); }, thanksMs);
    }
    setTimeout(ask, 30);
    setTimeout(beat, 500);
  });
  // A card closed with nothing in it (a survey whose first question shows its progress, left
  // untouched) is dismissed, not answered: the next answer gets its thank-you.
  window.addEventListener("nunchi:dismissed", function () {
    walkedAway = false;
    setTimeout(ask, 30);
  });

  // The survey's kiosk settings, from the configuration the widget reads too (the service
  // worker keeps it for a reload without network). Until it has come, the default: send.
  var partial = "send";
  fetch("/v1/sites/" + encodeURIComponent(site) + "/config?store=" + encodeURIComponent(store))
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (config) {
      var mine = config && config.surveys.filter(function (s) { return s.id === survey; })[0];
      if (mine && mine.kiosk && mine.kiosk.partial) partial = mine.kiosk.partial;
    }, function () {});
  ["pointerdown", "keydown", "input"].forEach(function (type) {
    window.addEventListener(type, function () {
      lastTouch = Date.now();
      // A follow-up on screen (the card counts its steps): the customer is mid-survey.
      setTimeout(function () {
        var root = card();
        if (root && root.querySelector(".progress") && body.getAttribute("data-screen") !== "thanks") screen("followup");
      }, 50);
    }, true);
  });
  // Idle: a customer who walked away from a follow-up, and the attract screen comes back. On a
  // kiosk, the widget sends what a closed card holds (the customer did answer the first
  // question); `reset` takes the card away without a word, for surveys that drop it.
  setInterval(function () {
    if (body.getAttribute("data-screen") !== "followup" || Date.now() - lastTouch < idleMs) return;
    var root = card();
    var close = root && root.querySelector(".close");
    screen("attract");
    if (partial === "drop") {
      nunchi.reset();
      setTimeout(ask, 30);
    } else if (close) {
      walkedAway = true;
      close.click();
    }
  }, 500);

  // Heartbeat: last seen, outbox backlog, version.
  function backlog() {
    try {
      var waiting = JSON.parse(localStorage.getItem("nunchi:" + site + ":outbox") || "[]");
      return Array.isArray(waiting) ? waiting.length : 0;
    } catch (e) {
      return 0;
    }
  }
  var online = true;
  function status(up) {
    body.setAttribute("data-online", up ? "yes" : "no");
    $("status").textContent = up ? texts.online : texts.offline;
    // Back after an outage: the widget sends what waits now rather than at its next retry.
    if (up && !online) window.dispatchEvent(new Event("online"));
    online = up;
  }
  function version() {
    var build = performance.getEntriesByType("resource").map(function (e) {
      return /\/widget\/nunchi-([0-9a-f]+)\.wasm$/.exec(e.name);
    }).filter(Boolean)[0];
    return build ? VERSION + "+" + build[1] : VERSION;
  }
  function beat() {
    fetch("/v1/kiosks/heartbeat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        site_id: site, store_id: store, kiosk_id: kiosk,
        backlog: backlog(), widget_version: version(), client_time: Date.now()
      })
    }).then(function (r) { status(r.ok); }, function () { status(false); });
  }
  setInterval(beat, heartbeatMs);

  // Keep the screen on where the browser can (it lets go when the page is hidden).
  function wake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () {});
    }
  }
  wake();
  document.addEventListener("visibilitychange", wake);

  // Offline across a reload: the service worker keeps this page, the widget and the survey.
  var cached = false;
  function offlineReady() {
    if (cached || !("serviceWorker" in navigator)) return;
    cached = true;
    navigator.serviceWorker.ready.then(function (registration) {
      var urls = [location.href].concat(performance.getEntriesByType("resource").map(function (e) { return e.name; }));
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { body.setAttribute("data-offline-ready", "yes"); };
      registration.active.postMessage({ cache: urls }, [channel.port2]);
    });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk-sw.js", { scope: "/kiosk" }).catch(function () {});
  }
})();
