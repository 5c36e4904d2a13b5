// Sends the outbox through POST /api/v1/sync, the kiosks' idempotent protocol: a row leaves the outbox only
// when the server acknowledged exactly its id and revision (stored or already_stored), so a sync cut at any
// byte is simply sent again and stored once. Failures are retried with back-off, and at once when the
// browser says it is online again.

const BATCH = 100;
const ACKNOWLEDGED = new Set(["stored", "already_stored"]);
const MAX_DELAY_S = 300;

export class Sync {
  /** ``onChange(state)``: state is {phase: idle|sending|offline|retry|revoked|done, waiting, seconds, refused}. */
  constructor({ vault, credential, config, onChange }) {
    this.vault = vault;
    this.credential = credential;
    this.config = config;
    this.onChange = onChange;
    this.failures = 0;
    this.timer = null;
    this.running = null;
    this.stopped = false;
    this._online = () => this.soon(0);
    this._offline = () => this._report("offline");
    window.addEventListener("online", this._online);
    window.addEventListener("offline", this._offline);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this._online);
    window.removeEventListener("offline", this._offline);
  }

  soon(seconds) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), seconds * 1000);
  }

  /** One pass over the outbox (a second call while one runs waits for it and runs again). */
  async run() {
    if (this.running) {
      await this.running;
    }
    this.running = this._pass().finally(() => { this.running = null; });
    return this.running;
  }

  /** Tell ``onChange`` the outbox's count now, in ``phase``. */
  report(phase) {
    return this._report(phase);
  }

  async _report(phase, extra = {}) {
    const waiting = await this.vault.outboxCount();
    this.onChange({ phase, waiting, ...extra });
  }

  async _pass() {
    if (this.stopped) return;
    let refused = [];
    let settledAll = 0;
    for (;;) {
      const rows = (await this.vault.outbox()).slice(0, BATCH);
      if (rows.length === 0) {
        this.failures = 0;
        await this._report("done", { refused, settled: settledAll });
        return;
      }
      if (!navigator.onLine) {
        await this._report("offline");
        return;
      }
      await this._report("sending");
      let answer;
      try {
        answer = await this._send(rows);
      } catch (err) {
        if (err.revoked) {
          this.stop();
          await this._report("revoked");
          return;
        }
        this.failures += 1;
        const seconds = Math.min(MAX_DELAY_S, 2 ** Math.min(this.failures, 9)) * (0.75 + Math.random() / 2);
        await this._report(navigator.onLine ? "retry" : "offline", { seconds: Math.round(seconds) });
        this.soon(seconds);
        return;
      }
      this.failures = 0;
      const sent = new Set(rows.map((r) => `${r.record.record_id}/${r.record.revision}`));
      let settled = 0;
      for (const result of answer.results || []) {
        const key = `${result.record_id}/${result.revision}`;
        if (!sent.has(key)) continue;  // only what this request carried
        if (ACKNOWLEDGED.has(result.status)) {
          await this.vault.settle(key, "sent");
        } else {  // rejected or conflict: kept on the phone, shown, never sent again unchanged
          await this.vault.settle(key, result.status, result.code || result.reason || result.status);
          refused.push(result.code || result.status);
        }
        settled += 1;
      }
      if (settled === 0) {  // an answer that acknowledged nothing we sent: do not loop on it
        this.failures += 1;
        this.soon(Math.min(MAX_DELAY_S, 2 ** this.failures));
        await this._report("retry", { seconds: 2 ** this.failures });
        return;
      }
      settledAll += settled;
      refused = [...new Set(refused)];
    }
  }

  async _send(rows) {
    const body = {
      protocol_version: 1,
      study_id: this.config.study_id,
      study_version: this.config.study_version,
      corrections_cursor: 0,
      records: rows.map((r) => ({ record: r.record, content_hash: r.content_hash })),
    };
    const resp = await fetch("/api/v1/sync", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.credential.token}` },
      body: JSON.stringify(body),
      cache: "no-store",
    });
    if (resp.status === 401 || resp.status === 403) {
      const err = new Error(`sync refused: ${resp.status}`);
      err.revoked = true;
      throw err;
    }
    if (!resp.ok) throw new Error(`sync failed: ${resp.status}`);
    return resp.json();
  }
}
