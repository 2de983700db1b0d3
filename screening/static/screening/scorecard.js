/* The scorecard workspace: document tabs, passage links that scroll to their highlight,
   keyboard shortcuts for criteria and levels, the draft saved as the reviewer goes, and a
   poll while a document is still being read. No libraries, no inline script. */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("scorecard-form");
    if (!form) return;
    var workspace = document.getElementById("workspace");
    var status = document.getElementById("autosave-status");

    // --- Document tabs and passages -------------------------------------------------------
    function showDocument(id) {
      document.querySelectorAll(".doc-tabs [role=tab]").forEach(function (tab) {
        tab.setAttribute("aria-selected", String(tab.dataset.doc === String(id)));
      });
      document.querySelectorAll(".doc-panel").forEach(function (panel) {
        panel.hidden = panel.dataset.doc !== String(id);
      });
    }
    document.querySelectorAll(".doc-tabs [role=tab]").forEach(function (tab) {
      tab.addEventListener("click", function () { showDocument(tab.dataset.doc); });
    });
    // A PDF whose pages are drawn shows them, its passages laid over them, or its text.
    function showView(panel, view) {
      panel.querySelectorAll(".doc-view [data-view]").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.view === view));
      });
      panel.querySelectorAll(".doc-sheets, .doc-texts").forEach(function (part) {
        part.hidden = part.dataset.view !== view;
      });
    }
    document.querySelectorAll(".doc-view [data-view]").forEach(function (button) {
      button.addEventListener("click", function () {
        showView(button.closest(".doc-panel"), button.dataset.view);
      });
    });
    function highlight(elements, target) {
      document.querySelectorAll("mark.current, .hl.current").forEach(function (m) {
        m.classList.remove("current");
      });
      elements.forEach(function (m) { m.classList.add("current"); });
      target.scrollIntoView({ block: "center" });
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest("a.passage");
      if (!link) return;
      event.preventDefault();
      showDocument(link.dataset.doc);
      var box = link.dataset.box && document.getElementById(link.dataset.box);
      var sheets = box && box.closest(".doc-sheets");
      if (box && !sheets.hidden) {
        highlight(sheets.querySelectorAll('.hl[data-box="' + link.dataset.box + '"]'), box);
        return;
      }
      var mark = document.getElementById(link.dataset.mark);
      if (mark) highlight([mark], mark);
    });
    // The criterion in hand: its passages show on the page images.
    var documentsPane = document.getElementById("documents");
    function selectCriterion(item) {
      if (!documentsPane || !item) return;
      var id = item.id.replace(/^(criterion|question)-/, "");
      documentsPane.dataset.criterion = id;
      documentsPane.querySelectorAll(".hl").forEach(function (mark) {
        var criteria = (mark.dataset.criteria || "").split(" ");
        mark.classList.toggle("selected", criteria.indexOf(id) >= 0);
      });
    }

    // A page's image loads when its reader opens it.
    document.querySelectorAll("details.page-image").forEach(function (details) {
      details.addEventListener("toggle", function () {
        var img = details.querySelector("img[data-src]");
        if (details.open && img && !img.getAttribute("src")) img.src = img.dataset.src;
      });
    });

    // --- Keyboard: j/k between criteria, digits choose a level ----------------------------
    var items = Array.prototype.slice.call(form.querySelectorAll(".question, .criterion"));
    var current = -1;
    function focusItem(index, scroll) {
      if (!items.length) return;
      current = Math.max(0, Math.min(items.length - 1, index));
      items.forEach(function (el, i) { el.classList.toggle("focused", i === current); });
      selectCriterion(items[current]);
      if (scroll) items[current].scrollIntoView({ block: "nearest" });
    }
    form.addEventListener("focusin", function (event) {
      var item = event.target.closest(".question, .criterion");
      if (item) focusItem(items.indexOf(item), false);
    });
    form.addEventListener("click", function (event) {
      var item = event.target.closest(".question, .criterion");
      if (item) focusItem(items.indexOf(item), false);
    });
    function typing(target) {
      if (!target || !target.closest) return false;
      if (target.closest("textarea, select, [contenteditable]")) return true;
      var input = target.closest("input");
      return !!input && input.type !== "radio" && input.type !== "checkbox";
    }
    function choose(item, key) {
      var value;
      if (item.classList.contains("question")) value = { "0": "", "1": "yes", "2": "no" }[key];
      else value = key === "0" ? "" : key;
      if (value === undefined) return;
      var input = item.querySelector('input[type=radio][value="' + value + '"]');
      if (!input || input.disabled) return;
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === "j") {
        focusItem(current + 1, true);
      } else if (event.key === "k") {
        focusItem(current < 0 ? 0 : current - 1, true);
      } else if (/^[0-9]$/.test(event.key) && current >= 0) {
        choose(items[current], event.key);
      } else {
        return;
      }
      event.preventDefault();
    });
    form.addEventListener("change", function (event) {
      var row = event.target.closest("table.levels tr");
      if (!row) return;
      row.parentNode.querySelectorAll("tr").forEach(function (tr) {
        tr.classList.toggle("chosen", tr === row);
      });
    });

    // --- Autosave -----------------------------------------------------------------------
    var autosave = form.dataset.autosave === "on";
    var timer = null;
    var dirty = false;
    function say(text) { if (status) status.textContent = text; }
    function save(keepalive) {
      clearTimeout(timer);
      if (!autosave || !dirty) return Promise.resolve();
      dirty = false;
      var body = new FormData(form);
      body.set("_save_draft", "1");
      say("Saving…");
      return fetch(window.location.pathname, {
        method: "POST",
        body: body,
        keepalive: !!keepalive,
        credentials: "same-origin",
        headers: {
          "X-Requested-With": "XMLHttpRequest",
          "X-CSRFToken": body.get("csrfmiddlewaretoken") || "",
        },
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok && data.saved) {
            say("Saved at " + data.at_display + ".");
            return;
          }
          var errors = data.errors || {};
          var first = Object.keys(errors).map(function (k) { return errors[k][0]; })[0];
          say("Not saved: " + (first || "the server refused the draft") + ".");
        });
      }).catch(function () {
        dirty = true;
        say("Not saved (no connection?); trying again when you next change something.");
      });
    }
    if (autosave) {
      var changed = function () {
        dirty = true;
        say("Unsaved changes…");
        clearTimeout(timer);
        timer = setTimeout(save, 2000);
      };
      form.addEventListener("input", changed);
      form.addEventListener("change", changed);
      form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); });
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") save(true);
      });
      window.addEventListener("pagehide", function () { save(true); });
    }

    // --- A document still being read: poll, then reload -----------------------------------
    if (workspace && workspace.querySelector("[data-pending]")) {
      var poll = function () {
        fetch(workspace.dataset.statusUrl, { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            var pending = data.documents.some(function (d) { return d.status === "pending"; });
            if (pending) setTimeout(poll, 3000);
            else save(false).then(function () { window.location.reload(); });
          })
          .catch(function () { setTimeout(poll, 10000); });
      };
      setTimeout(poll, 3000);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
