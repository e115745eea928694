// Espace Client: the CAPTCHA of registration and login (templates/_captcha.html).
// - the answer to the reCAPTCHA notice is posted, then the page is loaded anew (its own CSP);
// - ALTCHA: the vendored widget is loaded on demand, its workers registered, then placed;
// - at submit, htmx waits for a fresh reCAPTCHA token or a solved ALTCHA challenge.
(function () {
  "use strict";

  var altchaReady = null;

  function loadAltcha(holder) {
    if (!altchaReady) {
      altchaReady = import(holder.dataset.module)
        .then(function () { return import(holder.dataset.i18n); })
        .then(function () {
          var pbkdf2 = holder.dataset.workerPbkdf2, sha = holder.dataset.workerSha;
          ["PBKDF2/SHA-256", "PBKDF2/SHA-384", "PBKDF2/SHA-512"].forEach(function (name) {
            window.$altcha.algorithms.set(name, function () { return new Worker(pbkdf2); });
          });
          ["SHA-256", "SHA-384", "SHA-512"].forEach(function (name) {
            window.$altcha.algorithms.set(name, function () { return new Worker(sha); });
          });
        });
    }
    return altchaReady;
  }

  function mountAltcha(holder) {
    if (holder.dataset.mounted) return;
    holder.dataset.mounted = "true";
    loadAltcha(holder).then(function () {
      var widget = document.createElement("altcha-widget");
      widget.setAttribute("challenge", holder.dataset.challengeUrl);
      widget.setAttribute("name", "altcha");
      widget.setAttribute("language", holder.dataset.language || "fr");
      widget.setAttribute("auto", "onload");
      holder.appendChild(widget);
    });
  }

  function mountAll(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-altcha]").forEach(mountAltcha);
  }

  document.addEventListener("DOMContentLoaded", function () { mountAll(document); });
  document.addEventListener("htmx:load", function (event) { mountAll(event.detail.elt); });

  // The visitor answers the reCAPTCHA notice: remember it, then reload the page in full.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-captcha-choice]");
    if (!button) return;
    event.preventDefault();
    var box = button.closest("[data-consent-url]");
    var body = new URLSearchParams();
    body.set("choice", button.dataset.captchaChoice);
    button.disabled = true;
    fetch(box.dataset.consentUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrf },
      body: body
    }).then(function (response) {
      if (response.ok) window.location.assign(window.location.href);
      else button.disabled = false;
    }, function () { button.disabled = false; });
  });

  function recaptchaToken(holder) {
    return new Promise(function (resolve, reject) {
      if (!window.grecaptcha) { reject(new Error("reCAPTCHA not loaded")); return; }
      window.grecaptcha.ready(function () {
        window.grecaptcha.execute(holder.dataset.siteKey, { action: holder.dataset.action })
          .then(resolve, reject);
      });
    });
  }

  function altchaSolved(widget) {
    var state = widget.getState ? widget.getState() : "verified";
    if (state === "verified") return Promise.resolve();
    return new Promise(function (resolve) {
      function done(event) {
        var now = event.detail && event.detail.state;
        if (now === "verifying" || now === "unverified") return;
        widget.removeEventListener("statechange", done);
        resolve();
      }
      widget.addEventListener("statechange", done);
      if (state !== "verifying") widget.verify();
    });
  }

  // Before htmx sends a protected form: a fresh token (reCAPTCHA lives 2 minutes and works
  // once), or the end of the proof of work. The server refuses, with a message, if either fails.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    var recaptcha = form.querySelector("[data-recaptcha]");
    var widget = form.querySelector("altcha-widget");
    if (!recaptcha && !widget) return;
    event.preventDefault();
    var send = function () { event.detail.issueRequest(true); };
    if (recaptcha) {
      recaptchaToken(recaptcha).then(function (token) {
        recaptcha.querySelector("input[name='g-recaptcha-response']").value = token;
      }, function () {}).then(send);
    } else {
      altchaSolved(widget).then(send);
    }
  });
})();
