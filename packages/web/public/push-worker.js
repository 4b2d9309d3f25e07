// The page's service worker: shows a Web Push notification for a message in a room the user is away from, and opens
// the page when it is clicked. The payload is PushPayload { roomId, messageId, username, text } (@chat/types).
self.addEventListener("push", (event) => {
  let payload;
  try {
    payload = event.data ? event.data.json() : null;
  } catch {
    payload = null;
  }
  if (!payload || typeof payload.roomId !== "string") return;
  event.waitUntil(
    self.registration.showNotification(`${payload.username} in #${payload.roomId}`, {
      body: String(payload.text ?? ""),
      // One notification per room: a newer one replaces it.
      tag: `room-${payload.roomId}`,
      data: { roomId: payload.roomId },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows[0];
      return open ? open.focus() : self.clients.openWindow("/");
    }),
  );
});
