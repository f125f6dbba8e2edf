// Live notices: new ones appear at the top of the inbox and bump the header badge.
(function () {
  "use strict";
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var list = document.getElementById("notification-list");
  var badge = document.getElementById("unread-badge");
  var delay = 1000;

  function setUnread(n) {
    if (!badge) return;
    badge.textContent = n > 0 ? String(n) : "";
    badge.hidden = n <= 0;
  }

  function show(n) {
    if (!list) return;
    var item = document.createElement("li");
    item.className = "panel notification unread";
    var title = document.createElement("a");
    title.href = n.link;
    title.textContent = n.title;
    var body = document.createElement("p");
    body.textContent = n.body;
    item.appendChild(title);
    item.appendChild(body);
    list.insertBefore(item, list.firstChild);
  }

  function connect() {
    var socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === "hello") setUnread(frame.unread);
      if (frame.type === "notification") {
        setUnread((parseInt(badge && badge.textContent, 10) || 0) + 1);
        show(frame.notification);
      }
    };
    socket.onopen = function () { delay = 1000; };
    socket.onclose = function (event) {
      if (event.code === 4401) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
