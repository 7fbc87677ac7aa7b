/**
 * The per-request GraphQL context. Resolvers reach everything through it:
 * no resolver imports a live client.
 */
import type { Viewer } from '../auth/tokens.js';
import type { TokenService } from '../auth/tokens.js';
import type { Config } from '../config/config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Loaders } from '../loaders/index.js';
import type { RequestStats } from '../observability/request-stats.js';

export interface GraphQLContext {
  viewer: Viewer | null;
  clientIp: string;
  loaders: Loaders;
  /** The database client with the caching extension: every write goes through it. */
  db: PrismaClient;
  tokens: TokenService;
  config: Config;
  stats: RequestStats;
  /** The request's id (x-request-id), for logs and masked errors. */
  requestId: string;
  /** Told the operation's name once Apollo has resolved it, for the request's log line. */
  onOperation?: (name: string | null) => void;
}
