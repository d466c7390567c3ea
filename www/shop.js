// The demo shop's own code: a cart, and a purchase that tells nunchi about it.
(function () {
  var count = 0;
  var cart = document.getElementById("cart-count");
  var status = document.getElementById("status");
  window.nunchi = window.nunchi || { _q: [] };
  ["track", "identify", "reset", "show"].forEach(function (m) {
    window.nunchi[m] = window.nunchi[m] || function () { window.nunchi._q.push([m, [].slice.call(arguments)]); };
  });
  document.getElementById("add").addEventListener("click", function () {
    count += 1;
    cart.textContent = String(count);
    nunchi.track("add_to_cart", { sku: "yirgacheffe-200", price: 18000 });
  });
  document.getElementById("purchase").addEventListener("click", function () {
    var items = Math.max(count, 1);
    status.textContent = "주문이 완료되었습니다 · Order placed (" + items + " × ₩18,000)";
    nunchi.track("purchase", { total: 18000 * items, items: items, currency: "KRW" });
    count = 0;
    cart.textContent = "0";
  });
})();
