/**
 * The per-request GraphQL context. Resolvers reach everything through it:
 * no resolver imports a live client.
 */
import type { Viewer } from '../auth/tokens.js';
import type { TokenService } from '../auth/tokens.js';
import type { Config } from '../config/config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ReadSet } from '../cache/index.js';
import type { Loaders, RequestData } from '../loaders/index.js';
import type { RequestStats } from '../observability/request-stats.js';
import type { ExecutionResult } from 'graphql';
import type { ChargeLedger } from './reuse/charge-ledger.js';

export interface GraphQLContext {
  viewer: Viewer | null;
  clientIp: string;
  loaders: Loaders;
  /** Catalog reads: synchronous from L1 when it has them, else through `loaders`. */
  data: RequestData;
  /** The database client with the caching extension: every write goes through it. */
  db: PrismaClient;
  tokens: TokenService;
  config: Config;
  stats: RequestStats;
  /**
   * The scope the request's loaders record into: `reads` is what this
   * execution read, while its response may still be reused (see
   * graphql/reuse); clearing it stops the recording.
   */
  scope: { reads?: ReadSet };
  /** The rate-limit checks of this execution, while its response may still be reused. */
  ledger?: ChargeLedger;
  /** The request's id (x-request-id), for logs and masked errors. */
  requestId: string;
  /** Told the operation's name once Apollo has resolved it, for the request's log line. */
  onOperation?: (name: string | null) => void;
  /**
   * Set by the HTTP layer's lean path when it executed the operation and
   * leaves the answer to Apollo (a result with errors): Apollo's executor
   * returns it instead of executing again (src/graphql/executor.ts).
   */
  executed?: ExecutionResult;
}
