/**
 * Address text forms, made only when a record is emitted. EVE records use Suricata's spelling of IPv6 (every group,
 * four lowercase hex digits: `2607:f8b0:400a:0800:0000:0000:0000:200e`), so existing EVE queries match; the RFC 5952
 * form is for humans (docs, CLI messages).
 */

export function ipv4ToString(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
}

/** RFC 5952 §4: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as "::", leftmost on ties. */
export function ipv6ToString(words: Uint32Array): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) {
    const w = words[i] as number;
    g.push(w >>> 16, w & 0xffff);
  }
  // IPv4-mapped ::ffff:a.b.c.d keeps the dotted tail (§5)
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4ToString(words[3] as number)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** Suricata's EVE form: eight groups of four hex digits. */
export function ipv6ToSuricata(words: Uint32Array): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const w = words[i] as number;
    if (i > 0) s += ':';
    s += `${(w >>> 16).toString(16).padStart(4, '0')}:${(w & 0xffff).toString(16).padStart(4, '0')}`;
  }
  return s;
}

/** The address as EVE records spell it. */
export function ipToString(words: Uint32Array, family: number): string {
  return family === 4 ? ipv4ToString(words[0] as number) : ipv6ToSuricata(words);
}
