/**
 * Versioned response reuse: a query whose result does not depend on the
 * viewer is kept, as the exact response body, together with everything its
 * execution read from the cache (entities and collection views, each at the
 * version L1 held). It is served again, without executing, only while every
 * one of those is still the version this instance knows to be newest, so it
 * is never staler than L1 could be, and a write acknowledged here is never
 * followed by an older answer here.
 *
 * Never stored: mutations, anything selecting a `@private` field, any error
 * or partial result, any execution that read something not from L1. Serving
 * a reused response charges every `@rateLimit` check its execution made, in
 * one round trip.
 *
 * Keys: the document's identity (a hash of the printed, normalized document,
 * so formatting does not matter), the operation name and the variables. The
 * HTTP layer knows only the query text before parsing, so the texts seen are
 * mapped to their documents' identities in a bounded index.
 */
import { createHash } from 'node:crypto';
import { type DocumentNode, print } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Dependencies, ReadSet } from '../../cache/index.js';
import type { ResponseStore, StoredResponse } from '../../cache/index.js';
import type { RequestStats } from '../../observability/request-stats.js';
import type { RateLimitConsumer, RateLimitResult } from '../../ratelimit/rule.js';
import { type CallerIdentity, keyParts } from '../directives/rate-limit.js';
import type { Charge } from './charge-ledger.js';

export interface ResponseReuseOptions {
  store: ResponseStore<unknown>;
  /** Whether a response's dependencies are all still current (the tiered cache's L1 check). */
  isCurrent: (deps: Dependencies) => boolean;
  /** Charges reused responses; absent when rate limits are off. */
  limiter?: RateLimitConsumer;
  /** Bytes of query text remembered for the HTTP layer's lookups (default 8 MiB). */
  textIndexBytes?: number;
}

/** What a kept response needs besides its body to be served again. */
export interface KeptExecution {
  /** The rate-limit checks its execution made. */
  charges: Charge[];
  /** The operation's name as resolved (for logs and metrics). */
  operationName: string | null;
}

export type ReusedResponse = StoredResponse<KeptExecution>;

export interface Charged {
  checks: Array<{ rule: Charge['rule']; keyParts: string[] }>;
  results: RateLimitResult[];
  allowed: boolean;
}

const documentIds = new WeakMap<DocumentNode, string>();
const FREE: Charged = Object.freeze({ checks: [], results: [], allowed: true }) as Charged;

export class ResponseReuse {
  private readonly store: ResponseStore<KeptExecution>;
  private readonly isCurrent: (deps: Dependencies) => boolean;
  private readonly limiter: RateLimitConsumer | undefined;
  private readonly texts: LRUCache<string, string>;

  constructor(options: ResponseReuseOptions) {
    this.store = options.store as ResponseStore<KeptExecution>;
    this.isCurrent = options.isCurrent;
    this.limiter = options.limiter;
    this.texts = new LRUCache<string, string>({
      max: 10_000,
      maxSize: options.textIndexBytes ?? 8 * 1024 * 1024,
      sizeCalculation: (id, text) => 2 * (text.length + id.length) + 64,
    });
  }

  /**
   * Remembers that `text` parses to `document` and returns the key of this
   * request's response.
   */
  keyOf(
    text: string,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: unknown,
  ): string {
    let id = documentIds.get(document);
    if (!id)
      documentIds.set(
        document,
        (id = createHash('sha256').update(print(document)).digest('base64url')),
      );
    if (this.texts.get(text) !== id) this.texts.set(text, id);
    return requestKey(id, operationName, variables);
  }

  /** A stored response for this request that is still current, if its query text has been seen. */
  find(text: string, operationName: unknown, variables: unknown): ReusedResponse | undefined {
    const id = this.texts.get(text);
    if (id === undefined) return undefined;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
      return undefined;
    return this.store.get(requestKey(id, operationName, variables), this.isCurrent);
  }

  /**
   * Keeps a response, unless its reads were spoiled or have already moved on.
   * Returns whether it was stored.
   */
  keep(key: string, body: string, reads: ReadSet, execution: KeptExecution): boolean {
    if (reads.spoiled) return false;
    const deps = reads.freeze();
    if (!this.isCurrent(deps)) return false;
    this.store.set(key, { body, deps, extra: execution });
    return true;
  }

  /**
   * Charges a reused response's rate-limit checks for this caller, in one
   * round trip; synchronously when there is nothing to charge (most kept
   * responses), so serving them waits for no promise.
   */
  charge(
    response: ReusedResponse,
    caller: CallerIdentity,
    stats: RequestStats,
  ): Charged | Promise<Charged> {
    const charges = response.extra.charges;
    if (charges.length === 0) return FREE;
    const checks = charges.map(({ rule, args }) => ({
      rule,
      keyParts: keyParts(rule, caller, args),
    }));
    if (!this.limiter) return { checks, results: [], allowed: true };
    return this.limiter
      .consumeMany(checks, stats)
      .then((results) => ({ checks, results, allowed: results.every((r) => r.allowed) }));
  }
}

function requestKey(
  documentId: string,
  operationName: string | null | undefined,
  variables: unknown,
): string {
  return `${documentId}\n${operationName ?? ''}\n${variables === undefined || variables === null ? '{}' : JSON.stringify(variables)}`;
}
