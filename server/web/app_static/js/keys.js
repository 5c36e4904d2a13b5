// How the app's keys are made and kept (docs/home-app.md): WebCrypto only, nothing hand-rolled.
//
//  device secret (32 random bytes from the server at activation, which keeps none of it)
//      -> imported once as a NON-extractable HKDF key, kept as that CryptoKey in IndexedDB
//  PIN -> PBKDF2-SHA-256 (PBKDF2_ITERATIONS, 16-byte random salt) -> 32 bytes
//  key-encryption key = HKDF-SHA-256(ikm = device secret, salt = those 32 bytes, info = WRAP_INFO) as AES-KW
//  data key = a random AES-256-GCM key, kept only wrapped (RFC 3394) under the key-encryption key; unwrapped
//      as a non-extractable key that lives in this page's memory until it is locked or closed
//  every stored value = AES-GCM(data key, 12-byte random IV, JSON, additional data = the slot's name)

export const PBKDF2_ITERATIONS = 600000;  // OWASP 2023 figure for PBKDF2-HMAC-SHA256
export const MIN_PIN_DIGITS = 6;
export const MAX_WRONG_PINS = 5;
const WRAP_INFO = new TextEncoder().encode("trialpro home app: data key wrapping v1");
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

async function keyEncryptionKey(deviceSecret, pin, salt, iterations) {
  const pinKey = await subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const stretched = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, pinKey, 256);
  return subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: stretched, info: WRAP_INFO }, deviceSecret,
    { name: "AES-KW", length: 256 }, false, ["wrapKey", "unwrapKey"]);
}

/** A new random data key wrapped under the PIN and the device secret: what IndexedDB keeps, and the key. */
export async function newDataKey(deviceSecret, pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const kek = await keyEncryptionKey(deviceSecret, pin, salt, PBKDF2_ITERATIONS);
  const fresh = await subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const wrapped = await subtle.wrapKey("raw", fresh, kek, "AES-KW");
  const dataKey = await unwrap(wrapped, kek);  // the copy kept in memory cannot be exported
  return { keys: { salt, iterations: PBKDF2_ITERATIONS, wrapped }, dataKey };
}

function unwrap(wrapped, kek) {
  return subtle.unwrapKey("raw", wrapped, kek, "AES-KW", { name: "AES-GCM", length: 256 }, false,
    ["encrypt", "decrypt"]);
}

/** The data key for this PIN, or null when the PIN is wrong (AES-KW's integrity check fails). */
export async function openDataKey(deviceSecret, pin, keys) {
  const kek = await keyEncryptionKey(deviceSecret, pin, keys.salt, keys.iterations);
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
