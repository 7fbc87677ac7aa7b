/**
 * Value codecs for L2. MessagePack (@msgpack/msgpack, pure JavaScript) is the
 * default: smaller than JSON and keeps Dates as Dates; `npm run bench` prints
 * both on real entities. (msgpackr is faster still, but its optional native
 * addon cannot be locked for every platform from this registry.) A value
 * that fails to decode is a miss.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { Codec } from './contracts.js';

export type { Codec } from './contracts.js';

export function msgpackCodec(): Codec {
  const encoder = new Encoder();
  const decoder = new Decoder();
  return {
    name: 'msgpack',
    encode: (value) => {
      const bytes = encoder.encode(value);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    decode: (buffer) => decoder.decode(buffer),
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
        v !== null && typeof v === 'object' && DATE_TAG in v
          ? new Date((v as Record<string, number>)[DATE_TAG]!)
          : v,
      ),
  };
}
