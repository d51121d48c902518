/** Small byte-to-text helpers shared by the app parsers (plain Uint8Array walks). */
import { Buffer } from 'node:buffer';

/**
 * Node's native latin1 decoder, called on a plain Uint8Array (it accepts any byte view): for ASCII it is the text
 * itself, made flat in one step instead of one concatenation per character.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** Below this length the JavaScript loop beats the native call (measured: they cross at 6-15 characters). */
const NATIVE_MIN = 9;

/**
 * Bytes to a log string the way Suricata renders protocol bytes: ASCII kept as is (JSON escapes control
 * characters), bytes ≥ 0x80 as `\xhh` text so the output is always valid UTF-8 and still shows the raw value.
 */
export function escapeBytes(b: Uint8Array, start: number, stop: number): string {
  if (stop - start >= NATIVE_MIN) {
    let i = start;
    while (i < stop && (b[i] as number) < 0x80) i++;
    if (i === stop) return latin1Slice.call(b, start, stop);
  }
  let s = '';
  for (let i = start; i < stop; i++) {
    const c = b[i] as number;
    s += c < 0x80 ? String.fromCharCode(c) : '\\x' + hex2(c);
  }
  return s;
}

export function hex2(c: number): string {
  return (c < 16 ? '0' : '') + c.toString(16);
}

/** Lowercase hex of a byte range, optionally joined by a separator (':' for fingerprints). */
export function toHex(b: Uint8Array, start: number, stop: number, sep = ''): string {
  let s = '';
  for (let i = start; i < stop; i++) s += (i > start ? sep : '') + hex2(b[i] as number);
  return s;
}

/** True when b[start, start+name.length) equals the lowercase ASCII `name`, ignoring ASCII case. */
export function equalsLower(b: Uint8Array, start: number, stop: number, name: string): boolean {
  if (stop - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) {
    let c = b[start + k] as number;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== name.charCodeAt(k)) return false;
  }
  return true;
}

/** True when b[start, ...) begins with the ASCII `prefix` (case-sensitive). */
export function startsWith(b: Uint8Array, start: number, stop: number, prefix: string): boolean {
  if (stop - start < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (b[start + k] !== prefix.charCodeAt(k)) return false;
  return true;
}
