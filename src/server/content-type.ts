/**
 * The content type of a single GraphQL result for a request's Accept header,
 * chosen exactly as Apollo Server chooses it (`application/json` without a
 * header; otherwise the client's preferred of the JSON types Apollo offers),
 * for the responses the HTTP layer sends without Apollo (reused responses,
 * the lean path). Null when Apollo would refuse the request (406). Clients
 * send few distinct headers, so answers are remembered.
 */
import Negotiator from 'negotiator';

/** The single-result content types Apollo Server offers, in its order of preference. */
const JSON_TYPES = [
  'application/json; charset=utf-8',
  'application/graphql-response+json; charset=utf-8',
  'application/json; callbackSpec=1.0; charset=utf-8',
];
const MEMO_SIZE = 256;
const memo = new Map<string, string | null>();

export function singleResultContentType(accept: string | undefined): string | null {
  if (accept === undefined || accept === '') return JSON_TYPES[0]!;
  let type = memo.get(accept);
  if (type === undefined) {
    type = new Negotiator({ headers: { accept } }).mediaType(JSON_TYPES) ?? null;
    if (memo.size >= MEMO_SIZE) memo.clear();
    memo.set(accept, type);
  }
  return type;
}
