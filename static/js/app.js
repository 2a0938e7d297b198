/* Zongzhi UI behaviour on top of htmx: the tree browser's expand / collapse and error
 * reporting for partial requests. Pages work without it: every control has a plain link. */
(function () {
  "use strict";

  function toggleFor(box) {
    return document.querySelector('.tree-toggle[aria-controls="' + box.id + '"]');
  }

  // After the first click has loaded a node's children (htmx, "click once"), further clicks
  // only show or hide them.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".tree-toggle[aria-controls]");
    if (!button || !button.dataset.loaded) {
      return;
    }
    var box = document.getElementById(button.getAttribute("aria-controls"));
    if (!box) {
      return;
    }
    var open = button.getAttribute("aria-expanded") === "true";
    box.hidden = open;
    button.setAttribute("aria-expanded", open ? "false" : "true");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.target;
    if (!box || !box.classList || !box.classList.contains("tree-children")) {
      return;
    }
    box.hidden = false;
    var button = toggleFor(box);
    if (button) {
      button.dataset.loaded = "1";
      button.setAttribute("aria-expanded", "true");
    }
  });

  // The session ended while the page was open: the partial request was redirected to the
  // login page. Go there with the whole page instead of pasting a login form into the tree.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.responseURL) {
      return;
    }
    var url = new URL(xhr.responseURL);
    if (url.pathname !== document.body.dataset.loginUrl) {
      return;
    }
    event.detail.shouldSwap = false;
    url.search = "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    window.location.assign(url.toString());
  });

  // A failed partial request (expired session, revoked access, server error): say so where
  // the content would have gone instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    var xhr = event.detail.xhr;
    if (!target) {
      return;
    }
    var text = document.documentElement.lang === "en"
      ? "Could not load (HTTP " + xhr.status + "). Reload the page and try again."
      : "加载失败（HTTP " + xhr.status + "），请刷新页面后重试。";
    var note = document.createElement(target.tagName === "UL" || target.tagName === "OL" ? "li" : "p");
    note.className = "load-error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    target.replaceChildren(note);
    target.hidden = false;
    if (target.classList.contains("tree-children")) {
      var button = toggleFor(target);
      if (button) {
        button.dataset.loaded = "1";
        button.setAttribute("aria-expanded", "true");
      }
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var target = event.detail.target;
    if (target) {
      target.hidden = false;
      var note = document.createElement(target.tagName === "UL" ? "li" : "p");
      note.className = "load-error";
      note.setAttribute("role", "alert");
      note.textContent = document.documentElement.lang === "en"
        ? "Network error. Check the connection and try again."
        : "网络错误，请检查网络连接后重试。";
      target.replaceChildren(note);
    }
  });

  // htmx may have pushed a new URL (search as you type) since the page was rendered: switch
  // language back to where the user is now, not where the page started.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("lang-switch")) {
      return;
    }
    var next = form.querySelector('input[name="next"]');
    if (next) {
      next.value = window.location.pathname + window.location.search;
    }
  });

  // Close the user menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
        menu.open = false;
      });
    }
  });
})();

/* A refused reveal (显示 next to a masked phone or ID number, answered 403) carries the
 * reason in its body: show it in place instead of the generic load error. */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var elt = config && config.elt;
    if (event.detail.xhr.status === 403 && elt && elt.hasAttribute("data-swap-refusal")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
