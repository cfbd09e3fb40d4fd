// Debounced identifier check while a member types (progressive enhancement: the server
// checks again on submit). Forms opt in with data-check-url; results go to a live region.
(function () {
  "use strict";
  var DELAY_MS = 800;

  function textsOf(form) {
    var texts = {};
    form.querySelectorAll("textarea, input[type=text]").forEach(function (field) {
      if (field.name && field.name !== "tags" && field.value.trim()) {
        texts[field.name] = field.value;
      }
    });
    return texts;
  }

  function render(region, findings) {
    region.textContent = "";
    if (!findings.length) {
      region.hidden = true;
      return;
    }
    region.hidden = false;
    var title = document.createElement("p");
    title.textContent = region.dataset.title;
    region.appendChild(title);
    var list = document.createElement("ul");
    findings.forEach(function (finding) {
      var item = document.createElement("li");
      var mark = document.createElement("mark");
      mark.className = "finding";
      mark.textContent = finding.text;
      item.appendChild(mark);
      item.appendChild(document.createTextNode(" → " + finding.suggestion));
      list.appendChild(item);
    });
    region.appendChild(list);
  }

  function watch(form) {
    var region = document.getElementById(form.dataset.checkRegion);
    var token = form.querySelector("input[name=csrf_token]");
    var timer = null;
    var last = "";
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var texts = textsOf(form);
        var key = JSON.stringify(texts);
        if (key === last) { return; }
        last = key;
        fetch(form.dataset.checkUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
          body: key
        }).then(function (response) {
          return response.ok ? response.json() : {findings: []};
        }).then(function (body) { render(region, body.findings || []); })
          .catch(function () { /* the server checks again on submit */ });
      }, DELAY_MS);
    });
  }

  document.querySelectorAll("form[data-check-url]").forEach(watch);
})();
