/**
 * Value codecs for L2. MessagePack (msgpackr) is the default: on our entities
 * it encodes and decodes faster than JSON and keeps Dates as Dates (the bench
 * prints both, see scripts/bench). A value that fails to decode is a miss.
 */
import { Packr } from 'msgpackr';

export interface Codec {
  readonly name: string;
  encode(value: unknown): Buffer;
  /** Throws on a malformed buffer; callers treat that as a miss. */
  decode(buffer: Buffer): unknown;
}

export function msgpackCodec(): Codec {
  // Records off: every blob is self-describing, so instances never need shared structures.
  const packr = new Packr({ useRecords: false, moreTypes: false });
  return {
    name: 'msgpack',
    encode: (value) => packr.pack(value),
    decode: (buffer) => packr.unpack(buffer),
  };
}

const DATE_TAG = '$date';

export function jsonCodec(): Codec {
  return {
    name: 'json',
    encode: (value) =>
      Buffer.from(
        JSON.stringify(value, function replacer(this: Record<string, unknown>, key, v: unknown) {
          const raw = this[key];
          return raw instanceof Date ? { [DATE_TAG]: raw.getTime() } : v;
        }),
      ),
    decode: (buffer) =>
      JSON.parse(buffer.toString('utf8'), (_key, v: unknown) =>
        v !== null && typeof v === 'object' && DATE_TAG in v ? new Date((v as Record<string, number>)[DATE_TAG]!) : v,
      ),
  };
}
