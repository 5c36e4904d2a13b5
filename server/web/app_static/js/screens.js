// The open diary: today and the last 14 days, one diary's form, the reminder. Needs the data key (unlocked).

import { Validator } from "../vendor/cfworker-json-schema-4.1.6/index.js";
import { diaryForm } from "./forms.js";
import { language, local, refusal, t } from "./i18n.js";
import { contentHash, correctedEntry, newEntry, siteToday } from "./records.js";
import * as reminders from "./reminders.js";
import { Sync } from "./sync.js";
import { button, el, field, formError, screen } from "./ui.js";

const DAYS_SHOWN = 14;

function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function shownDate(day) {
  return new Intl.DateTimeFormat(language() === "zh" ? "zh-CN" : "en-GB", { weekday: "short", day: "numeric",
    month: "short", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

/** After unlocking or activating: the study's config (online when possible), the entries, sync, reminders. */
export async function openDiary(app, show) {
  app.config = await app.vault.get("config");
  try {
    const resp = await fetch("/api/v1/app/config", { headers: { Authorization: `Bearer ${app.credential.token}` },
      cache: "no-store" });
    if (resp.ok) {
      app.config = await resp.json();
      await app.vault.put("config", app.config);
    } else if (resp.status === 401 || resp.status === 403) {
      app.revoked = true;
    }
  } catch {
    // offline: the config kept (sealed) at the last visit online serves
  }
  if (!app.config) {
    const main = screen(t("app_title"));
    formError(main).show(t("error_network"));
    main.append(button(t("unlock_button"), () => openDiary(app, show), "primary"));
    return;
  }
  await loadEntries(app);
  app.sync?.stop();
  app.sync = new Sync({ vault: app.vault, credential: app.credential, config: app.config,
    onChange: (state) => syncChanged(app, state) });
  if (app.revoked) syncChanged(app, { phase: "revoked", waiting: 0 });
  else app.sync.run();
  reminders.checkNow();   // started at boot; it reads the clear settings loadEntries keeps
  app.show = show;
  app.refreshStatus = () => app.syncState && syncChanged(app, { ...app.syncState, settled: 0 });
  return show(() => homeScreen(app));
}

async function loadEntries(app) {
  const newest = new Map();
  for (const entry of await app.vault.entries()) {
    const have = newest.get(entry.record.record_id);
    if (!have || have.record.revision < entry.record.revision) newest.set(entry.record.record_id, entry);
  }
  app.entries = [...newest.values()];
  if (app.config) await reminders.note(app.config.timezone, dailyDone(app, today(app)));   // a locked diary reminds
}

function liveEntries(app, diary) {
  return app.entries.filter((e) => e.record.instrument_id === diary.instrument_id
    && !["rejected", "conflict"].includes(e.state));
}

function enteredDates(app, diary) {
  const dates = new Set(liveEntries(app, diary).map((e) => e.record.data.diary_date));
  for (const e of app.config.entered || []) if (e.instrument_id === diary.instrument_id) dates.add(e.diary_date);
  return dates;
}

function dailyDone(app, today) {
  return app.config.diaries.filter((d) => d.schedule === "daily").every((d) => enteredDates(app, d).has(today));
}

/** The first date a home entry may be about: the server's (consent, activation), else the day of activation. */
function firstDay(app) {
  return app.config.earliest_diary_date || app.credential.activated_on;
}

/** The last date a home entry may be about: today at the site, or the participant's end of study if earlier. */
function lastDay(app) {
  const last = app.config.last_diary_date;
  return last && last < today(app) ? last : today(app);
}

const shortTitle = (diary) => local(diary.short_title || diary.title);

function today(app) {
  return siteToday(app.config.timezone);
}

function syncChanged(app, state) {
  app.syncState = state;
  const footer = document.getElementById("status");
  const parts = [];
  if (state.phase === "sending") parts.push(t("sync_sending"));
  else if (state.phase === "offline") parts.push(t("sync_offline"));
  else if (state.phase === "retry") parts.push(t("sync_retry", { seconds: state.seconds }));
  else if (state.phase === "revoked") parts.push(t("sync_revoked"));
  if (state.waiting > 0) parts.push(t("sync_waiting", { count: state.waiting }));
  else if (state.phase === "done") parts.push(t("sync_done"));
  for (const code of state.refused || []) parts.push(refusal(code));
  footer.textContent = parts.join(" ");
  footer.dataset.phase = state.phase;
  footer.dataset.waiting = String(state.waiting);
  if (state.phase === "done" && state.settled) loadEntries(app).then(() => { if (app.onHome) app.render(); });
}

// ---- home ------------------------------------------------------------------------------------------------
function homeScreen(app) {
  app.onHome = true;
  const day = today(app);
  const main = screen(t("home_title", { date: shownDate(day) }));
  const daily = app.config.diaries.filter((d) => d.schedule === "daily");
  const done = dailyDone(app, day);
  if (app.notice) main.append(el("p", { class: "notice", role: "status", text: app.notice }));
  app.notice = null;
  main.append(el("p", { class: done ? "done" : "due", id: "today-state", text: done ? t("today_done") : t("today_due") }));
  for (const code of new Set(app.entries.filter((e) => ["rejected", "conflict"].includes(e.state)).map((e) => e.code))) {
    main.append(el("p", { class: "error refused", text: refusal(code) }));  // kept until the team acts
  }
  if (app.reminderText && !done) main.append(el("p", { class: "reminder", role: "alert", text: app.reminderText }));
  for (const diary of daily) {
    const has = liveEntries(app, diary).find((e) => e.record.data.diary_date === day);
    if (!has && enteredDates(app, diary).has(day)) continue;  // entered from another phone: nothing to do here
    main.append(button(t(has ? "correct" : "fill", { title: shortTitle(diary) }),
      () => diaryScreen(app, diary, day, has), "primary"));
  }
  for (const diary of app.config.diaries.filter((d) => d.schedule !== "daily")) {
    const count = liveEntries(app, diary).length;
    main.append(button(t("report", { title: shortTitle(diary) }), () => diaryScreen(app, diary, day, null), "primary"));
    if (count) main.append(el("p", { class: "count", text: t("reported", { count }) }));
  }
  for (const diary of daily) main.append(daysList(app, diary, day));
  const tools = el("div", { class: "tools" });
  tools.append(button(t("sync_now"), () => app.sync.run()), button(t("settings"), () => settingsScreen(app)),
    button(t("lock_now"), () => { app.onHome = false; app.lock(); }));
  main.append(tools);
}

function daysList(app, diary, day) {
  const dates = enteredDates(app, diary);
  const start = firstDay(app) || day;
  const section = el("section", { class: "days", "aria-labelledby": `days-${diary.instrument_id}` });
  section.append(el("h3", { id: `days-${diary.instrument_id}`, text: t("days_title", { title: shortTitle(diary) }) }));
  const list = el("ul", { class: "day-list" });
  for (let i = 0; i < DAYS_SHOWN; i++) {
    const d = addDays(day, -i);
    if (d < start && !dates.has(d)) break;  // the diary started later: nothing to show or to miss
    let state = "done";
    if (!dates.has(d)) state = d === day ? "today" : d < start ? "before" : "missed";
    const label = { done: t("day_done"), missed: t("day_missed"), today: t("day_today"), before: t("day_before") }[state];
    const item = el("li", { class: `day ${state}`, "data-date": d, "data-state": state });
    const mark = { done: "✓", missed: "✗", today: "•", before: "–" }[state];
    const text = el("span", {}, el("span", { class: "mark", "aria-hidden": "true", text: mark }),
      el("span", { text: ` ${shownDate(d)}: ${label}` }));
    if (state === "missed" || state === "today" || state === "done") {
      const has = liveEntries(app, diary).find((e) => e.record.data.diary_date === d);
      if (state !== "done" || has) {
        const b = el("button", { type: "button", class: "day-button" }, text);
        b.addEventListener("click", () => diaryScreen(app, diary, d, has));
        item.append(b);
      } else item.append(text);
    } else item.append(text);
    list.append(item);
  }
  section.append(list);
  return section;
}

// ---- one diary -------------------------------------------------------------------------------------------
function diaryScreen(app, diary, day, existing, draft) {
  app.onHome = false;
  const main = screen(local(diary.title), local(diary.instructions));
  const previous = existing?.record;
  const minDate = firstDay(app);
  const form = diaryForm(main, { diary, drugs: app.config.drugs, answers: draft || previous?.data, date: day,
    minDate, maxDate: lastDay(app), correcting: !!previous });
  app.render = () => diaryScreen(app, diary, day, existing, form.read());  // a language switch keeps the answers
  const general = formError(main);
  const save = button(t("save"), async () => {
    general.clear();
    const data = form.read();
    if (!form.check(data)) return;
    if (!previous && diary.schedule === "daily" && enteredDates(app, diary).has(data.diary_date)) {
      return form.showError("/diary_date", t("error_already"));
    }
    const record = previous
      ? correctedEntry(previous, { data, reason: form.reason(), language: language() })
      : newEntry({ credential: app.credential, config: app.config, diary, data, language: language() });
    if (app.config.envelope_schema) {
      const outcome = new Validator(app.config.envelope_schema, "2020-12", false).validate(record);
      if (!outcome.valid) return general.show(t("error_other", { detail: outcome.errors.at(-1).error }));
    }
    save.disabled = true;
    await app.vault.saveEntry(record, await contentHash(record));
    await app.sync.report("waiting");   // the sync line counts the new entry before anything is sent
    await loadEntries(app);
    app.notice = t("saved");
    app.show(() => homeScreen(app));
    app.sync.run();
  }, "primary");
  main.append(el("div", { class: "actions" }, save, button(t("cancel"), () => app.show(() => homeScreen(app)))));
}

// ---- reminder --------------------------------------------------------------------------------------------
async function settingsScreen(app) {
  app.onHome = false;
  app.render = () => settingsScreen(app);
  const main = screen(t("reminder_title"), t("reminder_note"));
  const time = field(main, t("reminder_time"), { type: "time", name: "reminder" }, (await reminders.reminderTime()) || "");
  const note = el("p", { role: "status", class: "note" });
  const saveIt = button(t("reminder_save"), async () => {
    if (!time.input.value) return time.show(t("error_time"));
    await reminders.setReminderTime(time.input.value);
    const permission = await reminders.askPermission();
    await reminders.checkNow();
    note.textContent = [t("reminder_saved", { time: time.input.value }),
      permission === "granted" ? "" : t(permission === "unsupported" ? "reminder_unsupported" : "reminder_denied")]
      .filter(Boolean).join(" ");
  }, "primary");
  const off = button(t("reminder_off"), async () => {
    await reminders.setReminderTime(null);
    time.input.value = "";
    note.textContent = t("reminder_cleared");
  });
  main.append(el("div", { class: "actions" }, saveIt, off), note,
    button(t("cancel"), () => app.show(() => homeScreen(app))));
}
