/**
 * Flow-log formats: the header line of an S3 text object names the fields, in any order and any subset
 * (versions 2-8 and later). Unknown (future) field names are kept so their values land as strings.
 */
import { FIELD_BY_NAME, FLOW_LOG_FIELDS, type FlowLogField } from './fields.ts';

export interface FlowLogFormat {
  /** field names in line order, as written in the header */
  readonly names: readonly string[];
  /** per position: the known field, or undefined for an unknown field */
  readonly fields: readonly (FlowLogField | undefined)[];
  /** per FLOW_LOG_FIELDS index: the token position in a line, or -1 when the format lacks the field */
  readonly positionOfField: Int32Array;
  /** positions of unknown fields (kept in extra_fields) */
  readonly unknownPositions: readonly number[];
  /** highest version among the known fields (what AWS writes in `version` for a custom format) */
  readonly version: number;
  /** per position: KIND_STRING (string or unknown field), KIND_INT32 or KIND_INT64 (what the parser validates) */
  readonly kinds: Uint8Array;
}

export const KIND_STRING = 0;
export const KIND_INT32 = 1;
export const KIND_INT64 = 2;

const FIELD_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const FIELD_INDEX = new Map(FLOW_LOG_FIELDS.map((f, i) => [f.name, i]));

/** True when every token is a flow-log field name shape and at least one is a known field. */
export function looksLikeHeader(tokens: readonly string[]): boolean {
  if (tokens.length === 0) return false;
  let known = 0;
  for (const t of tokens) {
    if (!FIELD_NAME.test(t)) return false;
    if (FIELD_BY_NAME.has(t)) known++;
  }
  // a real header names mostly known fields; tolerate a few future ones
  return known > 0 && known * 2 >= tokens.length;
}

/** Builds a format from header tokens (or a user-given format string such as `${version} ${srcaddr}`). */
export function makeFormat(names: readonly string[]): FlowLogFormat {
  const clean = names.map((n) => n.replace(/^\$\{(.*)\}$/, '$1'));
  const seen = new Set<string>();
  for (const n of clean) {
    if (seen.has(n)) throw new Error(`field "${n}" appears twice in the format`);
    seen.add(n);
  }
  const positionOfField = new Int32Array(FLOW_LOG_FIELDS.length).fill(-1);
  const fields: (FlowLogField | undefined)[] = [];
  const unknownPositions: number[] = [];
  let version = 2;
  clean.forEach((n, pos) => {
    const f = FIELD_BY_NAME.get(n);
    fields.push(f);
    if (f) {
      positionOfField[FIELD_INDEX.get(n)!] = pos;
      if (!f.unverified) version = Math.max(version, f.version);
    } else unknownPositions.push(pos);
  });
  const kinds = Uint8Array.from(fields, (f) => (f === undefined || f.type === 'string' ? KIND_STRING : f.type === 'int32' ? KIND_INT32 : KIND_INT64));
  return { names: clean, fields, positionOfField, unknownPositions, version, kinds };
}

/** Parses a format string as given to CreateFlowLogs (`${version} ${account-id} ...`) or a plain header. */
export function parseFormatString(s: string): FlowLogFormat {
  const names = s.trim().split(/\s+/).filter(Boolean);
  if (names.length === 0) throw new Error('empty flow-log format');
  return makeFormat(names);
}
