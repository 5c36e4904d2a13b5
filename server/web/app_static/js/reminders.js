// The daily reminder: at the time the participant chose, a notification through the service worker's
// registration, while the app (or the installed app's browser) runs. Browsers have no way to wake a page
// at a time without a push server (Notification Triggers never shipped), so nothing comes when the browser
// is closed; see docs/home-app.md for which browsers allow what. The notification says no answer.

import { setting, setSetting } from "./store.js";
import { t } from "./i18n.js";

const CHECK_MS = 30 * 1000;
let timer = null;
let check = null;

export function notificationsSupported() {
  return "Notification" in window && "serviceWorker" in navigator;
}

/** Ask for permission (call it from a click: browsers refuse a request without one). */
export async function askPermission() {
  if (!notificationsSupported()) return "unsupported";
  if (Notification.permission !== "default") return Notification.permission;
  return Notification.requestPermission();
}

export async function reminderTime() {
  return (await setting("reminder")) || null;
}

export async function setReminderTime(time) {
  await setSetting("reminder", time || null);
  await setSetting("notified", null);  // a new time may remind again today
}

/** Whether the reminder is due at ``now`` (site-local "HH:MM" and date) and not yet shown today. */
export async function due(localTime, localDate, doneToday) {
  const at = await reminderTime();
  if (!at || doneToday || localTime < at) return false;
  return (await setting("notified")) !== localDate;
}

/** Check every half minute; ``state()`` gives {time, date, doneToday} at the site, ``inApp(text)`` shows it. */
export function start(state, inApp) {
  stop();
  const tick = async () => {
    const { time, date, doneToday } = await state();
    if (!(await due(time, date, doneToday))) return;
    await setSetting("notified", date);
    const text = t("notification_body");
    inApp(text);
    if (notificationsSupported() && Notification.permission === "granted") {
      const reg = await navigator.serviceWorker.ready;
      await reg.showNotification(t("notification_title"), { body: text, tag: "trialpro-diary-reminder",
        icon: "icons/icon-192.png" });
    }
  };
  check = tick;
  tick();
  timer = setInterval(tick, CHECK_MS);
}

/** Look again now (after the time was changed) instead of at the next half minute. */
export function checkNow() {
  return check ? check() : Promise.resolve();
}

export function stop() {
  clearInterval(timer);
  timer = null;
  check = null;
}
