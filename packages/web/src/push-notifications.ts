import type { ChatClient } from "@chat/client";
import { ui } from "./ui";

/**
 * "Notify me": subscribe this browser to Web Push (the service worker shows the notifications) and register the
 * subscription, so messages in rooms this user is away from arrive while the page is closed.
 */
export const wirePushNotifications = (client: () => ChatClient | undefined) => {
  const pushSupported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  ui.notify.hidden = !pushSupported;
  ui.notify.addEventListener("click", async () => {
    const chat = client();
    if (!chat) return;
    ui.notify.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        ui.notifyStatus.textContent = "Notifications are blocked for this page.";
        return;
      }
      const registration = await navigator.serviceWorker.register("/push-worker.js");
      const subscription =
        (await registration.pushManager.getSubscription()) ??
        (await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: await chat.vapidPublicKey(),
        }));
      const { endpoint, keys } = subscription.toJSON();
      await chat.registerPush({ endpoint, keys });
      ui.notifyStatus.textContent = "You will be notified of messages while you are away.";
    } catch (error) {
      ui.notifyStatus.textContent = `Could not turn notifications on: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      ui.notify.disabled = false;
    }
  });
};
