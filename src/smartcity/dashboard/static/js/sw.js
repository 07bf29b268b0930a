// The dashboard's service worker: shows Web Push alarm notifications and opens their page.
self.addEventListener("push", (event) => {
  let message = { title: "smartcity", body: "", url: "/alerts", tag: "smartcity" };
  try {
    message = { ...message, ...event.data.json() };
  } catch { /* an empty or non-JSON push still says something happened */ }
  event.waitUntil(self.registration.showNotification(message.title, {
    body: message.body, tag: message.tag, data: { url: message.url },
    icon: "/static/img/favicon.svg",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/alerts",
    self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((windows) => {
    const open = windows.find((w) => w.url === url);
    return open ? open.focus() : self.clients.openWindow(url);
  }));
});
