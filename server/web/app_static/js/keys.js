// How the app's keys are made and kept (docs/home-app.md): WebCrypto only, nothing hand-rolled.
//
//  device secret (32 random bytes from the server at activation, which keeps none of it)
//      -> imported once as a NON-extractable HKDF key, kept as that CryptoKey in IndexedDB
//  PIN -> PBKDF2-SHA-256 (PBKDF2_ITERATIONS, 16-byte random salt) -> 32 bytes "stretched"
//  passkey -> the WebAuthn PRF output for the stored PRF salt, after the phone's screen lock (passkey.js): 32 bytes
//  key-encryption key = HKDF-SHA-256(ikm = device secret, salt = stretched || PRF output (64 bytes),
//      info = WRAP_INFO, 256 bits) as AES-KW: HKDF-Extract is HMAC-SHA-256 keyed by the salt over the ikm, so the
//      three secrets all enter one HMAC (as TLS 1.3's key schedule mixes secrets through salt and ikm); without
//      any one of them the key is unknown
//  data key = a random AES-256-GCM key, kept only wrapped (RFC 3394) under the key-encryption key; unwrapped
//      as a non-extractable key that lives in this page's memory until it is locked or closed
//  every stored value = AES-GCM(data key, 12-byte random IV, JSON, additional data = the slot's name)

export const PBKDF2_ITERATIONS = 600000;  // OWASP 2023 figure for PBKDF2-HMAC-SHA256
export const MIN_PIN_DIGITS = 6;
export const MAX_WRONG_PINS = 5;
export const KEY_LAYOUT = 2;  // the IndexedDB "keys" record's layout; 1 (no passkey) is asked to set up again
const WRAP_INFO = new TextEncoder().encode("trialpro home app: data key wrapping v2");
const subtle = crypto.subtle;

export function base64urlBytes(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** The device secret from activation as a key no script can read back (the bytes are dropped here). */
export async function importDeviceSecret(b64url) {
  const bytes = base64urlBytes(b64url);
  if (bytes.length < 32) throw new Error("device_secret: expected 32 bytes");
  const key = await subtle.importKey("raw", bytes, "HKDF", false, ["deriveKey"]);
  bytes.fill(0);
  return key;
}

async function keyEncryptionKey(deviceSecret, pin, prf, salt, iterations) {
  if (!(prf instanceof Uint8Array) || prf.length !== 32) throw new Error("passkey PRF output: expected 32 bytes");
  const pinKey = await subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const stretched = new Uint8Array(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations },
    pinKey, 256));
  const mixed = new Uint8Array(64);
  mixed.set(stretched, 0);
  mixed.set(prf, 32);
  try {
    return await subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: mixed, info: WRAP_INFO }, deviceSecret,
      { name: "AES-KW", length: 256 }, false, ["wrapKey", "unwrapKey"]);
  } finally {
    stretched.fill(0);
    mixed.fill(0);
  }
}

/** A new random data key wrapped under the device secret, the PIN and the passkey's PRF output. */
export async function newDataKey(deviceSecret, pin, prf) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const kek = await keyEncryptionKey(deviceSecret, pin, prf, salt, PBKDF2_ITERATIONS);
  const fresh = await subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const wrapped = await subtle.wrapKey("raw", fresh, kek, "AES-KW");
  const dataKey = await unwrap(wrapped, kek);  // the copy kept in memory cannot be exported
  return { keys: { layout: KEY_LAYOUT, salt, iterations: PBKDF2_ITERATIONS, wrapped }, dataKey };
}

function unwrap(wrapped, kek) {
  return subtle.unwrapKey("raw", wrapped, kek, "AES-KW", { name: "AES-GCM", length: 256 }, false,
    ["encrypt", "decrypt"]);
}

/** The data key for this PIN and PRF output, or null when the PIN is wrong (AES-KW's integrity check fails). */
export async function openDataKey(deviceSecret, pin, prf, keys) {
  const kek = await keyEncryptionKey(deviceSecret, pin, prf, keys.salt, keys.iterations);
  try {
    return await unwrap(keys.wrapped, kek);
  } catch (err) {
    if (err.name === "OperationError") return null;
    throw err;
  }
}

/** ``value`` as JSON encrypted under the data key, bound to ``slot`` (a box moved to another slot fails). */
export async function seal(dataKey, slot, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  const ct = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(slot) },
    dataKey, plain);
  return { iv, ct };
}

export async function unseal(dataKey, slot, box) {
  const plain = await subtle.decrypt({ name: "AES-GCM", iv: box.iv, additionalData: new TextEncoder().encode(slot) },
    dataKey, box.ct);
  return JSON.parse(new TextDecoder().decode(plain));
}
