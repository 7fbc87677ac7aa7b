/**
 * The L2 value format: an ASCII header `<version>|<softExpiresAt>|<epoch>|<kind>`
 * followed by the encoded payload. The header lets the scripts compare
 * versions and epochs without decoding, and lets readers see staleness
 * (grace period, fail-safe) without a second key. kind is `p` (present), `n`
 * (a cached "not found") or `x` (invalidated at this version: a miss for
 * readers, but it still blocks fills of older versions).
 *
 * `epoch` is the L2 epoch the record was written under (see l2-epoch.ts): a
 * record whose epoch is not the current one reads as a miss.
 */

export type RecordKind = 'present' | 'absent' | 'invalidated';
const KIND_BYTE: Record<RecordKind, string> = { present: 'p', absent: 'n', invalidated: 'x' };

export interface L2Record {
  version: number;
  /** Clock time after which the value is stale (served only within the grace period). */
  softExpiresAt: number;
  /** The L2 epoch the record was written under. */
  epoch: number;
  kind: RecordKind;
  payload: Buffer;
}

const SEP = 0x7c; // '|'

/** Encodes a record: a payload is a present value, null a "not found", 'invalidated' a fence. */
export function encodeRecord(
  version: number,
  softExpiresAt: number,
  payload: Buffer | null | 'invalidated',
  epoch = 0,
): Buffer {
  const kind: RecordKind =
    payload === 'invalidated' ? 'invalidated' : payload ? 'present' : 'absent';
  const header = Buffer.from(
    `${version}|${Math.round(softExpiresAt)}|${epoch}|${KIND_BYTE[kind]}`,
    'latin1',
  );
  return Buffer.isBuffer(payload) ? Buffer.concat([header, payload]) : header;
}

/** Parses a stored record, or returns null when it is malformed (treated as a miss). */
export function decodeRecord(buffer: Buffer): L2Record | null {
  const first = buffer.indexOf(SEP);
  const second = first < 0 ? -1 : buffer.indexOf(SEP, first + 1);
  const third = second < 0 ? -1 : buffer.indexOf(SEP, second + 1);
  if (first <= 0 || second < 0 || third < 0 || third + 1 >= buffer.length) return null;
  const version = Number(buffer.toString('latin1', 0, first));
  const softExpiresAt = Number(buffer.toString('latin1', first + 1, second));
  const epochText = buffer.toString('latin1', second + 1, third);
  const epoch = epochText === '' ? NaN : Number(epochText);
  const byte = String.fromCharCode(buffer[third + 1]!);
  const kind = (Object.keys(KIND_BYTE) as RecordKind[]).find((k) => KIND_BYTE[k] === byte);
  if (
    !kind ||
    !Number.isSafeInteger(version) ||
    !Number.isFinite(softExpiresAt) ||
    !Number.isSafeInteger(epoch)
  )
    return null;
  return { version, softExpiresAt, epoch, kind, payload: buffer.subarray(third + 2) };
}
