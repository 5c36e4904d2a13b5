// The app's IndexedDB: every answer, the credential and the study's config are sealed under the data key
// (keys.js); only the key material, the wrong-PIN count and the app's settings (language, reminder time) are
// kept as they are. Nothing goes to localStorage or the Cache API.

import { openDB } from "../vendor/idb-8.0.4/index.js";
import { seal, unseal } from "./keys.js";

const NAME = "trialpro-home";

function open() {
  return openDB(NAME, 1, {
    upgrade(db) {
      db.createObjectStore("device");    // "keys": {layout, deviceSecret (CryptoKey), salt, iterations, wrapped,
                                         //   passkey: {id, rpId, prfSalt}, wrong}
      db.createObjectStore("vault");     // "credential", "config": sealed
      db.createObjectStore("entries");   // "<record_id>/<revision>": sealed {record, content_hash, state, code}
      db.createObjectStore("outbox");    // "<record_id>/<revision>": sealed {record, content_hash}
      db.createObjectStore("settings");  // "language", "reminder", "notified", "timezone", "done_date": plain, no answers
    },
  });
}

let dbPromise = null;
function db() {
  dbPromise ??= open();
  return dbPromise;
}

export async function setting(name) {
  return (await db()).get("settings", name);
}

export async function setSetting(name, value) {
  return (await db()).put("settings", value, name);
}

export async function deviceKeys() {
  return (await db()).get("device", "keys");
}

export async function putDeviceKeys(keys) {
  return (await db()).put("device", keys, "keys");
}

/** Forget the device: its keys, and with them every sealed value (unreadable without them anyway), and what
 * the reminder needs (no diary is left to remind of). */
export async function eraseDevice() {
  const d = await db();
  const stores = ["device", "vault", "entries", "outbox"];
  const tx = d.transaction([...stores, "settings"], "readwrite");
  await Promise.all([...stores.map((s) => tx.objectStore(s).clear()),
    ...["timezone", "done_date"].map((k) => tx.objectStore("settings").delete(k))]);
  await tx.done;
}

export function recordKey(record) {
  return `${record.record_id}/${record.revision}`;
}

/** A sealed store read with the data key in memory. */
export class Vault {
  constructor(dataKey) {
    this.dataKey = dataKey;
  }

  async get(name) {
    const box = await (await db()).get("vault", name);
    return box ? unseal(this.dataKey, `vault/${name}`, box) : undefined;
  }

  async put(name, value) {
    return (await db()).put("vault", await seal(this.dataKey, `vault/${name}`, value), name);
  }

  /** Save a new entry and its outbox row in one IndexedDB transaction (both or neither). */
  async saveEntry(record, contentHash) {
    const key = recordKey(record);
    const entry = await seal(this.dataKey, `entries/${key}`, { record, content_hash: contentHash, state: "waiting" });
    const row = await seal(this.dataKey, `outbox/${key}`, { record, content_hash: contentHash });
    const tx = (await db()).transaction(["entries", "outbox"], "readwrite");
    await Promise.all([tx.objectStore("entries").put(entry, key), tx.objectStore("outbox").put(row, key), tx.done]);
  }

  async entries() {
    return this._all("entries");
  }

  async outbox() {
    return this._all("outbox");
  }

  async outboxCount() {
    return (await db()).count("outbox");
  }

  async _all(store) {
    const d = await db();
    const tx = d.transaction(store);
    const keys = await tx.store.getAllKeys();
    const boxes = await tx.store.getAll();
    await tx.done;
    return Promise.all(boxes.map((box, i) => unseal(this.dataKey, `${store}/${keys[i]}`, box)));
  }

  /** The server's answer for one record: the outbox row leaves, the entry keeps the state (one transaction). */
  async settle(key, state, code) {
    const d = await db();
    const box = await d.get("entries", key);
    const entry = box ? await unseal(this.dataKey, `entries/${key}`, box) : null;
    const sealed = entry ? await seal(this.dataKey, `entries/${key}`, { ...entry, state, code: code ?? null }) : null;
    const tx = d.transaction(["entries", "outbox"], "readwrite");
    const work = [tx.objectStore("outbox").delete(key), tx.done];
    if (sealed) work.push(tx.objectStore("entries").put(sealed, key));
    await Promise.all(work);
  }
}
