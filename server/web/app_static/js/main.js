// The home diary app: activation, PIN, unlock, then the diary screens (screens.js). See docs/home-app.md.

import { parseCode } from "./code.js";
import { defaultLanguage, language, problemText, setLanguage, t } from "./i18n.js";
import { KEY_LAYOUT, MAX_WRONG_PINS, MIN_PIN_DIGITS, importDeviceSecret, newDataKey, openDataKey } from "./keys.js";
import { PasskeyProblem, forgetPasskey, newPasskey, prfOutput } from "./passkey.js";
import { siteToday } from "./records.js";
import { Vault, deviceKeys, eraseDevice, putDeviceKeys, setSetting, setting } from "./store.js";
import { el, field, focusHeading, formError, refusalBox, screen } from "./ui.js";
import { openDiary } from "./screens.js";
import * as reminders from "./reminders.js";

const app = { render: null };

async function boot() {
  setLanguage((await setting("language")) || defaultLanguage());
  document.getElementById("language").addEventListener("click", switchLanguage);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js", { scope: "./", type: "classic" }).catch(() => {});
  }
  // The reminder runs locked or not (it needs no key); the home screen shows it too when open.
  reminders.start((text) => { app.reminderText = text; if (app.onHome) app.render(); });
  await route();
}

async function switchLanguage() {
  setLanguage(language() === "zh" ? "en" : "zh");
  await setSetting("language", language());
  header();
  if (app.render) await app.render();
  if (app.vault) app.refreshStatus?.();  // the sync line in the new language too
}

function header() {
  document.title = t("app_title");
  document.getElementById("app-title").textContent = t("app_title");
  const button = document.getElementById("language");
  button.textContent = t("switch_language");
  button.lang = language() === "zh" ? "en" : "zh-CN";
  button.setAttribute("aria-label", t("switch_language_name"));
}

function show(render) {
  app.render = render;
  header();
  return render();
}

async function route() {
  if (await setting("locked")) return show(lockedScreen);
  const keys = await deviceKeys();
  if (!keys) return show(activationScreen);
  if (keys.layout !== KEY_LAYOUT) return show(oldLayoutScreen);
  return show(unlockScreen);
}

function activationCode() {
  const match = /activate=([^&]+)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : "";
}

// ---- activation: the code and the PIN on one screen, so nothing half-done is ever kept ------------------
let typedCode = null;

function activationScreen() {
  const main = screen(t("activate_title"), t("activate_intro"));
  const code = field(main, t("activate_code"), { type: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", name: "code" }, typedCode ?? activationCode());
  code.input.addEventListener("input", () => { typedCode = code.input.value; });
  main.append(el("h3", { text: t("pin_title") }), el("p", { text: t("pin_intro") }));
  const pin = field(main, t("pin"), { type: "password", inputmode: "numeric", autocomplete: "new-password",
    name: "pin" });
  const again = field(main, t("pin_again"), { type: "password", inputmode: "numeric",
    autocomplete: "new-password", name: "pin-again" });
  main.append(el("p", { class: "passkey-note", text: t("passkey_intro") }));
  const general = formError(main);
  const refusal = refusalBox(main);
  const button = el("button", { type: "button", class: "primary", text: t("activate_button") });
  main.append(button);
  button.addEventListener("click", async () => {
    for (const f of [code, pin, again]) f.clear();
    general.clear();
    refusal.clear();
    const wrong = pinProblem(pin.input.value, again.input.value);
    if (!parseCode(code.input.value)) return code.show(t("error_code_shape"));   // the server's rule: nothing sent
    if (wrong) return (wrong === "error_pin_same" ? again : pin).show(t(wrong));
    button.disabled = true;
    button.textContent = t("activating");
    try {
      await activate(code.input.value.trim(), pin.input.value);
    } catch (err) {
      button.disabled = false;
      button.textContent = t("activate_button");
      if (err instanceof PasskeyProblem) return refusal.show(passkeyRefusal(err.reason), t("refuse_still_valid"));
      return (err.field === "code" ? code : general).show(err.message);
    }
    typedCode = null;
    history.replaceState(null, "", location.pathname);
    await openDiary(app, show);
  });
}

function pinProblem(pin, again) {
  if (!/^[0-9]*$/.test(pin)) return "error_pin_digits";
  if (pin.length < MIN_PIN_DIGITS) return "error_pin_short";
  if (pin !== again) return "error_pin_same";
  return null;
}

async function problemOf(resp) {
  try {
    return await resp.json();
  } catch {
    return {};
  }
}

class Refusal extends Error {
  constructor(message, fieldName) {
    super(message);
    this.field = fieldName;
  }
}

/** Where this app would work on this computer when it was opened at a loopback IP (the demo): WebAuthn needs a name. */
function namedAddress() {
  const url = new URL(location.href);
  if (/^127\.|^\[::1\]$/.test(url.hostname)) url.hostname = "localhost";
  return url.href;   // with the code in the fragment, if it came with one
}

/** What went wrong with the passkey step at activation and what to do (then: nothing kept, the code holds). */
function passkeyRefusal(reason) {
  const why = { bad_host: "refuse_bad_host", no_lock: "refuse_no_lock", cancelled: "refuse_cancelled" }[reason]
    || "refuse_unsupported";
  return t(why, { url: namedAddress() });
}

/** Passkey first, then the code: a passkey this phone cannot make refuses before the code is used up. */
async function activate(code, pin) {
  const { passkey, output } = await newPasskey(t("passkey_name"));
  try {
    await activateWith(code, pin, passkey, output);
  } catch (err) {
    forgetPasskey(passkey);
    throw err;
  } finally {
    output.fill(0);
  }
}

async function activateWith(code, pin, passkey, output) {
  let resp;
  try {
    resp = await fetch("/api/v1/app/activate", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code, label: "phone" }), cache: "no-store" });
  } catch {
    throw new Refusal(t("error_network"));
  }
  if (!resp.ok) {   // the app's own words for the problem's code, never the server's English
    const problem = await problemOf(resp);
    const onCode = ["app.activation_code_invalid", "app.activation_code_malformed"].includes(problem.code);
    throw new Refusal(problemText(problem.code, resp.status), onCode ? "code" : undefined);
  }
  const answer = await resp.json();
  const deviceSecret = await importDeviceSecret(answer.device_secret);
  const { keys, dataKey } = await newDataKey(deviceSecret, pin, output);
  const vault = new Vault(dataKey);
  const { device_secret: _dropped, ...credential } = answer;
  credential.activated_on = siteToday(answer.timezone);
  await vault.put("credential", credential);
  await putDeviceKeys({ deviceSecret, ...keys, passkey, wrong: 0 });
  app.vault = vault;
  app.credential = credential;
}

// ---- unlock ---------------------------------------------------------------------------------------------
function unlockScreen() {
  const main = screen(t("unlock_title"), t("unlock_intro"));
  const pin = field(main, t("pin"), { type: "password", inputmode: "numeric", autocomplete: "current-password",
    name: "pin" });
  const refusal = refusalBox(main);
  const button = el("button", { type: "button", class: "primary", text: t("unlock_button") });
  main.append(button);
  const submit = async () => {
    pin.clear();
    button.disabled = true;
    button.textContent = t("unlocking");
    refusal.clear();
    const outcome = await unlock(pin.input.value);
    if (outcome === "open") return openDiary(app, show);
    if (outcome === "locked") return show(lockedScreen);
    button.disabled = false;
    button.textContent = t("unlock_button");
    if (outcome instanceof PasskeyProblem) {   // not a wrong PIN: the PIN was not even tried
      const what = outcome.reason === "cancelled" ? "unlock_passkey_failed" : "unlock_passkey_missing";
      return refusal.show(t(what), t(`${what}_do`));
    }
    pin.input.value = "";
    pin.show(t("pin_wrong", { left: outcome }));
  };
  button.addEventListener("click", submit);
  pin.input.addEventListener("keydown", (e) => { if (e.key === "Enter") submit(); });
}

/** "open", "locked", a PasskeyProblem (the PIN was not tried: no count), or the number of tries left.
 * The phone's passkey answers first; the count is kept before the PIN is tried. */
async function unlock(pin) {
  const keys = await deviceKeys();
  let prf;
  try {
    prf = await prfOutput(keys.passkey);
  } catch (err) {
    if (err instanceof PasskeyProblem) return err;
    throw err;
  }
  const wrong = (keys.wrong || 0) + 1;
  await putDeviceKeys({ ...keys, wrong });  // a try that is cut off (page closed) still counts
  let dataKey = null;
  try {
    if (/^[0-9]+$/.test(pin)) dataKey = await openDataKey(keys.deviceSecret, pin, prf, keys);
  } finally {
    prf.fill(0);
  }
  if (dataKey) {
    await putDeviceKeys({ ...keys, wrong: 0 });
    app.vault = new Vault(dataKey);
    app.credential = await app.vault.get("credential");
    return "open";
  }
  if (wrong >= MAX_WRONG_PINS) {
    forgetPasskey(keys.passkey);
    await eraseDevice();
    await setSetting("locked", true);
    return "locked";
  }
  return MAX_WRONG_PINS - wrong;
}

export function lock() {
  app.sync?.stop();
  const footer = document.getElementById("status");
  footer.textContent = "";
  delete footer.dataset.phase;
  app.vault = null;
  app.credential = null;
  app.config = null;
  return show(unlockScreen);
}

function lockedScreen() {
  const main = screen(t("locked_title"), t("locked_text", { max: MAX_WRONG_PINS }));
  const button = el("button", { type: "button", class: "primary", text: t("locked_again") });
  button.addEventListener("click", async () => {
    await setSetting("locked", false);
    await show(activationScreen);
  });
  main.append(button);
  focusHeading();
}

/** A diary set up before the passkey was part of its key (layout 1): set up again (docs/home-app.md). */
function oldLayoutScreen() {
  const main = screen(t("relayout_title"), t("relayout_text"));
  const button = el("button", { type: "button", class: "primary", text: t("locked_again") });
  button.addEventListener("click", async () => {
    await eraseDevice();
    await show(activationScreen);
  });
  main.append(button);
  focusHeading();
}

app.lock = lock;
boot();
