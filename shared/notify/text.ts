/**
 * Small text helpers shared by formatters and renderers: byte-aware truncation with a visible marker, number and
 * size formatting, glob matching. Pure.
 */

export const TRUNCATION_MARKER = '… [truncated]';

const utf8 = new TextEncoder();

export function byteLength(s: string): number {
  return utf8.encode(s).length;
}

/** Cuts `s` to at most `max` characters (UTF-16 code units, never splitting a surrogate pair), adding the marker. */
export function truncateChars(s: string, max: number, marker = TRUNCATION_MARKER): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - marker.length);
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut -= 1;
  return s.slice(0, cut) + marker;
}

/** Cuts `s` to at most `max` UTF-8 bytes (whole code points only), adding the marker. */
export function truncateBytes(s: string, max: number, marker = TRUNCATION_MARKER): string {
  if (byteLength(s) <= max) return s;
  const budget = max - byteLength(marker);
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = byteLength(ch);
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return out + marker;
}

/** Glob with `*` (any run) and `?` (one char); everything else literal; case-sensitive, whole string. */
export function globMatch(pattern: string, value: string): boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(value);
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && abs < 0.01) return n.toPrecision(2);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal byte sizes as CloudWatch reports them (1 KB = 1000 B). */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < BYTE_UNITS.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${formatNumber(v)} ${BYTE_UNITS[i]}`;
}

const RATE_UNITS = ['', 'k', 'M', 'G', 'T'];

export function formatRate(n: number, unit: string): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < RATE_UNITS.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${formatNumber(v)} ${RATE_UNITS[i]}${unit}`;
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** "2019-10-02T17:04:40.989+0000" / "2022-11-15 22:58:13" / ISO → ISO-8601 UTC, or the input when unparseable. */
export function normaliseTime(raw: string): string {
  let s = raw.trim();
  s = s.replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2');
  s = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  s = s.replace(/(\.\d{3})\d+/, '$1');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
  const t = Date.parse(s);
  return Number.isNaN(t) ? raw : new Date(t).toISOString();
}

/** "2019-10-02 17:04:40 UTC" for people. */
export function humanTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
