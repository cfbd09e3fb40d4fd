/* cop live room: the Socket.IO client of one case room (config from data-* attributes). */
(function () {
  "use strict";

  var root = document.getElementById("room");
  if (!root || typeof io !== "function") { return; }

  var caseId = Number(root.dataset.caseId);
  var memberId = Number(root.dataset.memberId);
  var lastSeenId = Number(root.dataset.lastSeenId || 0);
  var isModerator = root.dataset.moderator === "1";
  var stages = JSON.parse(root.dataset.stages || "{}");
  var log = document.getElementById("room-log");
  var statusLine = document.getElementById("room-status");
  var typingLine = document.getElementById("room-typing");
  var heldPanel = document.getElementById("room-held");
  var membersList = document.getElementById("room-members");
  var composer = document.getElementById("room-composer");
  var textarea = document.getElementById("room-body");
  var conferenceBar = document.getElementById("conference-bar");
  var conferenceStage = document.getElementById("conference-stage");

  var rendered = new Set();   // message ids already in the log: replays never duplicate
  var lastId = null;          // the newest id rendered: re-joins ask for what came after
  var dividerShown = false;
  var members = new Map();
  var typers = new Map();
  var lastTypingSent = 0;
  var pendingBody = "";

  function label(name) { return root.dataset["label" + name] || ""; }
  var professionNames = JSON.parse(root.dataset.professions || "{}");
  var pageLanguage = document.documentElement.lang || undefined;

  function setStatus(text, offline) {
    statusLine.textContent = text;
    statusLine.classList.toggle("is-offline", Boolean(offline));
  }

  function authorLine(author, createdAt) {
    var meta = document.createElement("p");
    meta.className = "meta";
    var name = document.createElement("strong");
    name.textContent = author.display_name;
    var role = document.createElement("span");
    role.className = "role-tag";
    role.textContent = professionNames[author.profession] || author.profession;
    var place = document.createElement("span");
    place.className = "institution";
    place.textContent = author.institution;
    meta.append(name, " ", role, " ", place);
    if (createdAt) {
      var time = document.createElement("time");
      time.dateTime = createdAt;
      time.textContent = new Date(createdAt).toLocaleTimeString(pageLanguage, {
        hour: "2-digit", minute: "2-digit"
      });
      meta.append(" ", time);
    }
    return meta;
  }

  function messageLink(template, message, text) {
    var link = document.createElement("a");
    link.href = template.replace("/0", "/" + message.id);
    link.textContent = text;
    return link;
  }

  function flagLink(message) {
    var box = document.createElement("span");
    box.className = "room-mod";
    box.append(messageLink(root.dataset.flagUrl, message, label("Flag")));
    return box;
  }

  function moderationButtons(message) {
    var box = document.createElement("span");
    box.className = "room-mod";
    box.append(messageLink(root.dataset.redactUrl, message, label("Redact")));
    [["hidden", label("Hide")], ["deleted", label("Delete")]].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = pair[1];
      button.addEventListener("click", function () {
        socket.emit("moderate", {case_id: caseId, id: message.id, status: pair[0]});
      });
      box.append(button);
    });
    return box;
  }

  function addMessage(message) {
    if (message.case_id !== caseId || rendered.has(message.id)) { return; }
    rendered.add(message.id);
    lastId = lastId === null ? message.id : Math.max(lastId, message.id);
    if (!dividerShown && lastSeenId && message.id > lastSeenId && log.children.length) {
      var divider = document.createElement("li");
      divider.className = "unread-divider";
      divider.textContent = label("New");
      log.append(divider);
      dividerShown = true;
    }
    var item = document.createElement("li");
    item.id = "room-message-" + message.id;
    item.dataset.id = message.id;
    if (message.author.id === memberId) { item.className = "is-mine"; }
    var meta = authorLine(message.author, message.created_at);
    if (isModerator) {
      meta.append(moderationButtons(message));
    } else if (message.author.id !== memberId) {
      meta.append(flagLink(message));
    }
    var body = document.createElement("div");
    body.className = "room-html";
    body.innerHTML = message.html;  // sanitised on the server by cop.rendering
    item.append(meta, body);
    var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.append(item);
    if (atBottom) { log.scrollTop = log.scrollHeight; }
    typers.delete(message.author.id);
    showTyping();
  }

  function notice(text) {
    var item = document.createElement("li");
    item.className = "room-notice";
    item.textContent = text;
    log.append(item);
  }

  function showMembers() {
    membersList.replaceChildren();
    members.forEach(function (author) {
      var item = document.createElement("li");
      item.append(authorLine(author));
      membersList.append(item);
    });
  }

  function showTyping() {
    var names = [];
    typers.forEach(function (entry) { names.push(entry.name); });
    typingLine.textContent = names.length ? label("Typing").replace("{name}", names.join(", ")) : "";
  }

  function showConference(conference) {
    if (!conference) { return; }
    conferenceBar.hidden = false;
    conferenceBar.querySelectorAll("[data-stage]").forEach(function (item) {
      if (item.dataset.stage === conference.stage) { item.setAttribute("aria-current", "step"); }
      else { item.removeAttribute("aria-current"); }
    });
    conferenceStage.textContent = label("Conference") + " " + (stages[conference.stage] || conference.stage);
  }

  function showHeld(data) {
    heldPanel.replaceChildren();
    var intro = document.createElement("p");
    intro.textContent = data.findings && data.findings.length ? label("Held") : label("HeldFailed");
    heldPanel.append(intro);
    if (data.findings && data.findings.length) {
      var list = document.createElement("ul");
      data.findings.forEach(function (finding) {
        var item = document.createElement("li");
        var mark = document.createElement("mark");
        mark.textContent = finding.text;
        item.append(mark, " → " + finding.suggestion);
        list.append(item);
      });
      heldPanel.append(list);
    }
    heldPanel.hidden = false;
    if (!textarea.value.trim()) { textarea.value = data.body; }
    textarea.focus();
  }

  var socket = io({transports: ["websocket", "polling"]});

  socket.on("connect", function () {
    setStatus(label("Connected"));
    socket.emit("join", {case_id: caseId, since: lastId});
  });
  socket.on("disconnect", function () { setStatus(label("Reconnecting"), true); });
  socket.on("connect_error", function () { setStatus(label("Reconnecting"), true); });

  socket.on("joined", function (data) {
    if (data.case_id !== caseId) { return; }
    members = new Map(data.members.map(function (author) { return [author.id, author]; }));
    showMembers();
    data.history.forEach(addMessage);
    showConference(data.conference);
  });
  socket.on("message", addMessage);
  socket.on("presence", function (data) {
    if (data.case_id !== caseId) { return; }
    if (data.present) { members.set(data.member.id, data.member); }
    else { members.delete(data.member.id); typers.delete(data.member.id); showTyping(); }
    showMembers();
  });
  socket.on("typing", function (data) {
    if (data.case_id !== caseId) { return; }
    var id = data.author.id;
    clearTimeout((typers.get(id) || {}).timer);
    typers.set(id, {name: data.author.display_name, timer: setTimeout(function () {
      typers.delete(id); showTyping();
    }, 4000)});
    showTyping();
  });
  socket.on("held", function (data) { if (data.case_id === caseId) { showHeld(data); } });
  socket.on("message_updated", function (data) {
    var item = document.getElementById("room-message-" + data.id);
    if (item && data.case_id === caseId) { item.querySelector(".room-html").innerHTML = data.html; }
  });
  socket.on("message_deleted", function (data) {
    var item = document.getElementById("room-message-" + data.id);
    if (item && data.case_id === caseId) { item.remove(); notice(label("Removed")); }
  });
  socket.on("muted", function (data) { if (data.case_id === caseId) { notice(label("Muted")); } });
  socket.on("conference", function (data) { if (data.case_id === caseId) { showConference(data); } });
  socket.on("error", function (data) {
    if (data && data.message) { setStatus(data.message, true); }
    if (data && data.event === "message" && !textarea.value.trim()) { textarea.value = pendingBody; }
  });

  function send() {
    var body = textarea.value;
    if (!body.trim()) { return; }
    socket.emit("message", {case_id: caseId, body: body});
    pendingBody = body;
    textarea.value = "";
    heldPanel.hidden = true;
  }

  composer.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  textarea.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTypingSent > 3000) {
      lastTypingSent = now;
      socket.emit("typing", {case_id: caseId});
    }
  });
  setStatus(label("Connecting"));
}());
