// Home record envelopes exactly as shared/records.py builds them (issue 24 contract), and their content hash:
// "sha256:" + hex(SHA-256(RFC 8785 canonical JSON of the envelope's fields)), as shared/canonical.py does.

import canonicalize from "../vendor/canonicalize-5.1.0/canonicalize.js";

export const ENVELOPE_FIELDS = [
  "record_id", "revision", "kind", "study_id", "study_version", "site_id", "participant_id",
  "visit_id", "instrument_id", "instrument_version", "data", "collected_at", "collected_at_local",
  "entered_by", "device_id", "correction_reason", "language",
];

/** The site's wall-clock time of ``moment`` with its offset, to the millisecond ("2026-11-25T15:41:12.532+08:00"). */
export function siteLocal(moment, timezone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23", timeZoneName: "longOffset",
  }).formatToParts(moment).map((p) => [p.type, p.value]));
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : parts.timeZoneName.replace("GMT", "");
  const ms = String(moment.getUTCMilliseconds()).padStart(3, "0");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${ms}${offset}`;
}

/** Today's date at the site (YYYY-MM-DD). */
export function siteToday(timezone, moment = new Date()) {
  return siteLocal(moment, timezone).slice(0, 10);
}

/** A revision-1 home entry of ``diary`` with ``data`` (its answers plus diary_date), made now. */
export function newEntry({ credential, config, diary, data, language }) {
  const now = new Date();
  return {
    record_id: crypto.randomUUID(),
    revision: 1,
    kind: "instrument_response",
    study_id: config.study_id,
    study_version: config.study_version,
    site_id: credential.site_id,
    participant_id: credential.participant_id,
    visit_id: null,
    instrument_id: diary.instrument_id,
    instrument_version: diary.version,
    data,
    collected_at: now.toISOString(),
    collected_at_local: siteLocal(now, config.timezone || credential.timezone),
    entered_by: "participant",
    device_id: credential.device_id,
    correction_reason: null,
    language,
  };
}

/** The next revision of ``previous`` (shared.records.corrected: the time of measurement stays). */
export function correctedEntry(previous, { data, reason, language }) {
  return { ...previous, revision: previous.revision + 1, data, correction_reason: reason,
    entered_by: "participant", language };
}

export function canonicalEnvelope(record) {
  const fields = {};
  for (const name of ENVELOPE_FIELDS) fields[name] = record[name] ?? null;
  return canonicalize(fields);
}

export async function contentHash(record) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalEnvelope(record)));
  return "sha256:" + [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
