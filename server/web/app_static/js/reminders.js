// The daily reminder: at the time the participant chose, a notification through the service worker's
// registration, while the app (or the installed app's browser) runs. Browsers have no way to wake a page
// at a time without a push server (Notification Triggers never shipped), so nothing comes when the browser
// is closed; see docs/home-app.md for which browsers allow what. The notification says no answer.
// It needs no data key: what it reads (the site's time zone, the reminder time, the date today's daily
// diaries were all done, the date of the last reminder) is kept in clear in `settings`, so a locked diary
// still reminds.

import { setting, setSetting } from "./store.js";
import { siteLocal } from "./records.js";
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

/** Keep what the reminder needs while the diary is open: the site's time zone and whether today is done. */
export async function note(timezone, doneToday) {
  await setSetting("timezone", timezone);
  const today = siteLocal(new Date(), timezone).slice(0, 10);
  if (doneToday && (await setting("done_date")) !== today) await setSetting("done_date", today);
}

/** The site's time, date and whether today's diaries are done, from the clear settings; null before activation. */
async function state() {
  const timezone = await setting("timezone");
  if (!timezone) return null;
  const now = siteLocal(new Date(), timezone);
  const date = now.slice(0, 10);
  return { time: now.slice(11, 16), date, doneToday: (await setting("done_date")) === date };
}

/** Check every half minute, locked or not; ``inApp(text)`` shows the reminder on the page too. */
export function start(inApp) {
  stop();
  const tick = async () => {
    const now = await state();
    if (!now) return;
    const { time, date, doneToday } = now;
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
