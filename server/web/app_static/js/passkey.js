// The phone's own part of the diary's key (docs/home-app.md, "Keys"): a platform passkey made for this app at
// activation, asked at every unlock with user verification (the phone's screen lock: fingerprint, face or
// screen PIN), whose WebAuthn PRF extension gives 32 secret bytes for a salt we keep. Those bytes never touch
// the disk: the secret behind them lives in the phone's authenticator (secure hardware) or its passkey
// provider, so a copied browser profile does not hold them.
//
// Every way this can fail is a PasskeyProblem with a reason, shown to the participant; none of them is a wrong
// PIN. There is no fallback to a key without the passkey.

const TIMEOUT_MS = 120000;
const UV_FLAG = 0x04;  // authenticator data byte 32, bit 2: the user was verified (WebAuthn §6.1)

export class PasskeyProblem extends Error {
  /** ``reason``: unsupported | no_lock | no_prf | bad_host | cancelled */
  constructor(reason, cause) {
    super(`passkey: ${reason}`);
    this.reason = reason;
    this.cause = cause;
  }
}

const IP_HOST = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/** Why this browser cannot make or use the diary's passkey here, or null when it may. */
async function problemHere() {
  if (IP_HOST.test(location.hostname)) return "bad_host";  // WebAuthn needs a domain name, never an IP address
  if (!window.isSecureContext || !window.PublicKeyCredential || !navigator.credentials) return "unsupported";
  try {
    if (!(await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable())) return "no_lock";
    if (PublicKeyCredential.getClientCapabilities) {
      const caps = await PublicKeyCredential.getClientCapabilities();
      if (caps["extension:prf"] === false) return "no_prf";
    }
  } catch {
    return "unsupported";
  }
  return null;
}

function reasonOf(err) {
  if (err instanceof PasskeyProblem) return err;
  if (err?.name === "SecurityError") return new PasskeyProblem("bad_host", err);
  if (err?.name === "NotSupportedError") return new PasskeyProblem("unsupported", err);
  return new PasskeyProblem("cancelled", err);  // NotAllowedError: cancelled, timed out, or no such passkey
}

function verified(assertion) {
  return (new Uint8Array(assertion.response.authenticatorData)[32] & UV_FLAG) !== 0;
}

/** The PRF output of the passkey ``id`` for ``prfSalt``, after the phone verified the user (32 bytes). */
export async function prfOutput(passkey) {
  const problem = await problemHere();
  if (problem) throw new PasskeyProblem(problem);
  let assertion;
  try {
    assertion = await navigator.credentials.get({ publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),  // nothing is proven to a server: only PRF is used
      rpId: passkey.rpId,
      allowCredentials: [{ type: "public-key", id: passkey.id }],
      userVerification: "required",
      timeout: TIMEOUT_MS,
      extensions: { prf: { eval: { first: passkey.prfSalt } } },
    } });
  } catch (err) {
    throw reasonOf(err);
  }
  if (!assertion) throw new PasskeyProblem("cancelled");
  // without UV an authenticator answers from another secret (CTAP2 hmac-secret): that must not look like a wrong PIN
  if (!verified(assertion)) throw new PasskeyProblem("cancelled");
  const first = assertion.getClientExtensionResults().prf?.results?.first;
  if (!first || first.byteLength !== 32) throw new PasskeyProblem("no_prf");
  return new Uint8Array(first);
}

/** A new passkey for this app on this phone and its first PRF output: {passkey: {id, rpId, prfSalt}, output}. */
export async function newPasskey(displayName) {
  const problem = await problemHere();
  if (problem) throw new PasskeyProblem(problem);
  const prfSalt = crypto.getRandomValues(new Uint8Array(32));  // kept in clear: it is not secret
  let created;
  try {
    created = await navigator.credentials.create({ publicKey: {
      rp: { id: location.hostname, name: displayName },
      user: { id: crypto.getRandomValues(new Uint8Array(16)), name: displayName, displayName },  // names no one
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
      authenticatorSelection: { authenticatorAttachment: "platform", residentKey: "required",
        requireResidentKey: true, userVerification: "required" },
      attestation: "none",
      hints: ["client-device"],
      timeout: TIMEOUT_MS,
      extensions: { prf: { eval: { first: prfSalt } } },
    } });
  } catch (err) {
    throw reasonOf(err);
  }
  if (!created) throw new PasskeyProblem("cancelled");
  const passkey = { id: new Uint8Array(created.rawId), rpId: location.hostname, prfSalt };
  if (created.getClientExtensionResults().prf?.enabled !== true) {
    forgetPasskey(passkey);
    throw new PasskeyProblem("no_prf");
  }
  try {
    // asked once more as every unlock will ask it: a passkey that cannot answer later is refused now
    return { passkey, output: await prfOutput(passkey) };
  } catch (err) {
    forgetPasskey(passkey);
    throw err;
  }
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Tell the phone's passkey provider this passkey is no longer used (best effort: browsers without it keep it). */
export function forgetPasskey(passkey) {
  if (!passkey?.id || !window.PublicKeyCredential?.signalUnknownCredential) return;
  PublicKeyCredential.signalUnknownCredential({ rpId: passkey.rpId, credentialId: base64url(passkey.id) })
    .catch(() => {});
}
