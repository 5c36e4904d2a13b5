// The home app's service worker: keeps the app shell (these files, nothing else) in the Cache API so the app
// opens and works offline. API calls always go to the network: answers and the study's config never enter
// this cache (they live sealed in IndexedDB). A new SHELL_VERSION replaces the cache at the next visit online.

const SHELL_VERSION = "home-app-3";
const SHELL = [
  "./",
  "app.css",
  "manifest.webmanifest",
  "icons/icon-192.png",
  "icons/icon-512.png",
  "js/main.js",
  "js/code.js",
  "js/i18n.js",
  "js/keys.js",
  "js/passkey.js",
  "js/store.js",
  "js/records.js",
  "js/forms.js",
  "js/screens.js",
  "js/sync.js",
  "js/ui.js",
  "js/reminders.js",
  "vendor/idb-8.0.4/index.js",
  "vendor/canonicalize-5.1.0/canonicalize.js",
  "vendor/cfworker-json-schema-4.1.6/index.js",
  "vendor/cfworker-json-schema-4.1.6/deep-compare-strict.js",
  "vendor/cfworker-json-schema-4.1.6/dereference.js",
  "vendor/cfworker-json-schema-4.1.6/format.js",
  "vendor/cfworker-json-schema-4.1.6/pointer.js",
  "vendor/cfworker-json-schema-4.1.6/types.js",
  "vendor/cfworker-json-schema-4.1.6/ucs2-length.js",
  "vendor/cfworker-json-schema-4.1.6/validate.js",
  "vendor/cfworker-json-schema-4.1.6/validator.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== SHELL_VERSION).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith("/app/")) {
    return;  // the API and anything else: straight to the network
  }
  // the shell: network first (a new version shows at once online), the cache when offline
  const key = url.pathname === "/app/" || url.pathname === "/app/index.html" ? "./" : event.request;
  event.respondWith(fetch(event.request).then((resp) => {
    if (resp.ok && SHELL.some((p) => new URL(p, self.registration.scope).pathname === url.pathname)) {
      const copy = resp.clone();
      caches.open(SHELL_VERSION).then((cache) => cache.put(key, copy));
    }
    return resp;
  }).catch(() => caches.match(key, { ignoreSearch: true }).then((hit) => hit || Response.error())));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((windows) => {
    const open = windows.find((w) => new URL(w.url).pathname.startsWith("/app/"));
    return open ? open.focus() : self.clients.openWindow("./");
  }));
});
