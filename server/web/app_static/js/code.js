// The shape of a one-time activation code, the same rule as shared/enrolment_code.py (parse): 16 symbols of
// Crockford base32, any case, dashes and spaces anywhere, I/L read as 1 and O as 0. The phone checks it before
// it sends, so a mistyped code never reaches the server (tests/browser/test_home_app_codes.py feeds both the
// same texts). Returns the printed form XXXX-XXXX-XXXX-XXXX, or null when the text is not a code.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ALIASES = { I: "1", L: "1", O: "0" };
const SEPARATORS = new Set(["-", " ", "\t"]);
const LENGTH = 16;

export function parseCode(text) {
  if (typeof text !== "string" || text.length > 64) return null;
  const symbols = [];
  for (let ch of text.trim().toUpperCase()) {
    if (SEPARATORS.has(ch)) continue;
    ch = ALIASES[ch] ?? ch;
    if (!ALPHABET.includes(ch) || ch.length !== 1) return null;
    symbols.push(ch);
  }
  if (symbols.length !== LENGTH) return null;
  const s = symbols.join("");
  return [0, 4, 8, 12].map((i) => s.slice(i, i + 4)).join("-");
}
