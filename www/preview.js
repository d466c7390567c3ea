// The preview page (/p/{id}): the editor frames it with ?locale=ko or ?locale=en. The widget, in
// receipt mode, reads the draft from /v1/previews/{id} and shows it in #survey; this page only
// writes its banner and, if the preview cannot be shown, why.
(function () {
  var asked = new URLSearchParams(location.search).get("locale");
  var locale = asked === "ko" || asked === "en" ? asked : (navigator.language || "en");
  var korean = /^ko\b/i.test(locale);
  document.documentElement.lang = korean ? "ko" : "en";
  var texts = korean ? {
    banner: "미리보기 · 응답은 검사만 하고 저장하지 않습니다",
    invalid: ["미리보기가 끝났습니다", "편집기에서 설문을 고치거나 ‘미리보기 새로 고침’을 누르세요."],
    unavailable: ["미리보기를 불러오지 못했습니다", "연결을 확인하고 다시 시도하세요."]
  } : {
    banner: "Preview · answers are checked, never stored",
    invalid: ["This preview has ended", "Change the draft, or press “Refresh preview” in the editor."],
    unavailable: ["The preview could not load", "Check the connection and try again."]
  };
  var $ = function (id) { return document.getElementById(id); };
  $("banner").textContent = texts.banner;
  addEventListener("nunchi:receipt", function (e) {
    var status = (e.detail && e.detail.status) || "unavailable";
    document.body.dataset.status = status;
    if (status === "ready" || status === "sending") return;
    var m = status === "unavailable" ? texts.unavailable : texts.invalid;
    $("message-title").textContent = m[0];
    $("message-text").textContent = m[1];
    $("message").hidden = false;
  });
  addEventListener("nunchi:answered", function () { document.body.dataset.status = "answered"; });
  var script = document.createElement("script");
  script.src = "/widget.js";
  script.async = true;
  script.dataset.mode = "receipt";
  script.dataset.placement = "inline:#survey";
  script.dataset.locale = locale;
  document.body.appendChild(script);
})();
