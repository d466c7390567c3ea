// The receipt page (/r/{token}): the widget, in receipt mode, fetches the receipt and shows its
// survey in #survey; this page writes the purchase above it and the messages instead of it.
(function () {
  var korean = /^ko\b/i.test(navigator.language || "");
  var locale = korean ? "ko-KR" : (navigator.language || "en");
  document.documentElement.lang = korean ? "ko" : "en";
  var texts = korean ? {
    title: "영수증 설문",
    loading: "설문을 불러오는 중…",
    purchase: "구매 내역",
    intro: "방문해 주셔서 감사합니다. 이번 구매에 대해 짧게 여쭤볼게요.",
    used: ["✅", "이미 응답하신 설문입니다", "이 영수증의 설문은 이미 응답되었습니다. 감사합니다!"],
    invalid: ["⚠️", "유효하지 않은 링크입니다", "영수증의 QR 코드를 다시 스캔해 주세요."],
    expired: ["⌛", "설문 기간이 끝났습니다", "이 영수증의 설문 기간이 지났습니다. 다음 방문 때 또 의견을 들려주세요."],
    unavailable: ["📶", "설문을 불러오지 못했습니다", "인터넷 연결을 확인하고 잠시 후 다시 시도해 주세요."],
    dismissed: ["👋", "다음에 답해 주셔도 괜찮아요", "이 링크는 기간 안에 다시 열 수 있습니다."],
    sending: ["📨", "응답해 주셔서 감사합니다", "응답을 보내는 중입니다. 연결되면 자동으로 전송됩니다."]
  } : {
    title: "Your receipt",
    loading: "Loading your survey…",
    purchase: "Your purchase",
    intro: "Thanks for shopping with us. One quick question about this purchase.",
    used: ["✅", "Already answered", "This receipt's survey has already been answered. Thank you!"],
    invalid: ["⚠️", "This link is not valid", "Please scan the QR code on your receipt again."],
    expired: ["⌛", "This survey has expired", "The survey for this receipt has closed. We hope to hear from you next time."],
    unavailable: ["📶", "We could not load the survey", "Check your connection and try again in a moment."],
    dismissed: ["👋", "Maybe later", "You can open this link again while the survey is open."],
    sending: ["📨", "Thanks for answering", "Your answer is on its way: it is sent as soon as there is a connection."]
  };
  var $ = function (id) { return document.getElementById(id); };
  document.title = texts.title;
  $("loading").textContent = texts.loading;

  // The amount comes in the currency's minor units (won, cents).
  function money(minor, currency) {
    try {
      var format = new Intl.NumberFormat(locale, { style: "currency", currency: currency });
      var digits = format.resolvedOptions().maximumFractionDigits;
      return format.format(minor / Math.pow(10, digits));
    } catch (e) {
      return minor + " " + currency;
    }
  }

  function showPurchase(p) {
    if (!p) return;
    $("purchase-title").textContent = texts.purchase;
    $("store").textContent = p.store_id;
    $("date").textContent = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" })
      .format(new Date(p.purchased_at));
    $("amount").textContent = money(p.amount, p.currency);
    $("purchase").hidden = false;
    $("intro").textContent = texts.intro;
    $("intro").hidden = false;
  }

  function showMessage(status) {
    var m = texts[status] || texts.unavailable;
    $("message-icon").textContent = m[0];
    $("message-title").textContent = m[1];
    $("message-text").textContent = m[2];
    $("message").hidden = false;
    // A refused receipt never shows a survey.
    $("survey").hidden = true;
    $("intro").hidden = true;
  }

  window.addEventListener("nunchi:receipt", function (e) {
    var status = e.detail.status;
    document.body.dataset.status = status;
    $("loading").hidden = true;
    // `sending`: this phone's answer still waits to be sent; the survey is not asked again.
    if (status === "ready" || status === "sending") showPurchase(e.detail.purchase);
    if (status !== "ready") showMessage(status);
  });
  window.addEventListener("nunchi:answered", function () {
    document.body.dataset.status = "answered";
    $("intro").hidden = true;
  });
  window.addEventListener("nunchi:dismissed", function () {
    // Closing the thank-you is not declining the survey.
    if (document.body.dataset.status !== "ready") return;
    document.body.dataset.status = "dismissed";
    showMessage("dismissed");
  });
})();
