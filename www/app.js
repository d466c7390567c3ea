// The app demo's own code: the logged-in member (?member=…), then the purchase, told to nunchi.
// The web-nps survey fires on "purchase"; for a member the collector decides, against the
// contact ledger that receipts, kiosks and the web share.
(function () {
  window.nunchi = window.nunchi || { _q: [] };
  ["track", "identify", "reset", "show"].forEach(function (m) {
    window.nunchi[m] = window.nunchi[m] || function () { window.nunchi._q.push([m, [].slice.call(arguments)]); };
  });
  var member = new URLSearchParams(location.search).get("member") || "M-1001";
  document.getElementById("member").textContent = member;
  nunchi.identify(member, { tier: "gold" });
  nunchi.track("purchase", { total: 23500, items: 2, currency: "KRW" });
})();
