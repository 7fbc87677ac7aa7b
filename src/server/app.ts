/**
 * The composition root: builds every client and service from the config,
 * wires them, and tears them down in reverse order. Nothing imports this
 * module but the entry points and tests.
 *
 * Order matters:
 * 1. metrics and logger (everything reports into them);
 * 2. Redis (optional: the API serves without it) and the tiered cache;
 * 3. the database, counting statements per request;
 * 4. the relation map (from the migrated schema) and the caching extension;
 * 5. the schema (directives read once) and Apollo Server;
 * 6. the invalidation bus and the change-feed listener, last, once
 *    everything they feed exists.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { TokenService } from '../auth/tokens.js';
import { CatalogCache, type RecoveredChange } from '../cache/catalog-cache.js';
import { InvalidationBus } from '../cache/invalidation-bus.js';
import type { CachePolicy } from '../cache/policy.js';
import type { Config } from '../config/config.js';
import { createChangeApplier } from '../db/apply-changes.js';
import { parseChange } from '../db/change-feed.js';
import { openDatabase } from '../db/database.js';
import { cacheSync } from '../db/extensions/cache-sync.js';
import { loadRelationMap } from '../db/relations.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { GraphQLContext } from '../graphql/context.js';
import { createFormatError } from '../graphql/format-error.js';
import { applyRateLimitDirective } from '../graphql/directives/rate-limit.js';
import { DEFAULT_LIMITS } from '../graphql/protection/limits.js';
import { protectionPlugin } from '../graphql/protection/protection-plugin.js';
import { buildSchema } from '../graphql/schema.js';
import { RateLimiter } from '../ratelimit/rate-limiter.js';
import { rateLimitStatusPlugin } from './rate-limit-status-plugin.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { countStat } from '../observability/request-stats.js';
import { createRedisClient, RedisGate } from '../redis/redis-client.js';
import { statsPlugin } from './stats-plugin.js';

export interface App {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  apollo: ApolloServer<GraphQLContext>;
  cache: CatalogCache;
  bus: InvalidationBus;
  redis: RedisGate;
  /** The plain client, for reads. */
  prisma: PrismaClient;
  /** The client with the caching extension, for writes. */
  db: PrismaClient;
  tokens: TokenService;
  /** Cache policy per type, read from @cacheable. */
  policies: ReadonlyMap<string, CachePolicy>;
  close(): Promise<void>;
}

export interface AppOverrides {
  logger?: Logger;
  now?: () => number;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics({ defaultMetrics: config.env !== 'test' });
  const warn = (message: string, error?: unknown) => logger.warn({ err: error }, message);

  let redisWarned = false;
  const redisClient = createRedisClient({
    url: config.redis.url,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    name: 'catalog:cache',
    onStatusChange: (status, error) => {
      if (status === 'ready') {
        redisWarned = false;
        logger.info('Redis connected: L2 cache and shared rate limits active');
      } else if (status === 'error' && !redisWarned) {
        redisWarned = true;
        logger.warn({ err: error?.message }, 'Redis unreachable: serving from L1 and PostgreSQL until it returns');
      }
    },
  });
  const redis = new RedisGate(redisClient, { onBreakerChange: (s) => metrics.redisBreakerState.set(s === 'open' ? 1 : 0) });
  const cache = new CatalogCache({
    mode: config.cache.mode,
    prefix: config.cache.prefix,
    l1MaxEntries: config.cache.l1MaxEntries,
    l1MaxBytes: config.cache.l1MaxBytes,
    gate: redis,
    metrics,
    now: overrides.now,
    warn,
    // Assigned below, once the bus exists.
    onRecovered: (change) => onRecovered(change),
  });
  let onRecovered: (change: RecoveredChange) => void = () => undefined;

  const database = await openDatabase({
    onPoolError: (error) => logger.warn({ err: error.message }, 'a pooled database connection failed; it will be replaced'),
    url: config.database.url,
    pgliteDir: config.database.pgliteDir,
    poolSize: config.database.poolSize,
    connectTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
    onStatement: () => {
      countStat('sqlStatements');
      metrics.dbStatements.inc();
    },
  });
  const prisma = database.prisma;

  const limiter = new RateLimiter({
    gate: redis,
    prefix: config.cache.prefix,
    now: overrides.now,
    onFallback: (rule, mode) => {
      metrics.rateLimitFallbacks.inc({ field: rule.field, mode });
      logger.warn({ field: rule.field, mode }, 'Redis unavailable: rate limit fallback in use');
    },
  });
  const { schema, policies } = buildSchema((base) =>
    config.rateLimitEnabled
      ? applyRateLimitDirective<GraphQLContext>(base, { limiter, identify: (ctx) => ({ ip: ctx.clientIp, userId: ctx.viewer?.id ?? null }) })
      : base,
  );
  const relations = await loadRelationMap(prisma, Object.values(Prisma.ModelName));
  const bus = new InvalidationBus({
    gate: redis,
    subscriber: createRedisClient({ url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs, name: 'catalog:bus' }),
    channel: `${config.cache.prefix}:invalidate`,
    onInvalidate: (entities, collections) => {
      metrics.invalidationsReceived.inc();
      cache.invalidateLocal(entities, collections);
    },
    onReceived: (_message, delayMs) => metrics.invalidationDelay.observe(Math.max(0, delayMs) / 1000),
    onFlush: (reason) => {
      cache.flushLocal();
      metrics.l1Flushes.inc({ reason: `bus-${reason}` });
    },
    onPublished: () => metrics.invalidationsPublished.inc(),
  });
  onRecovered = (change) =>
    void (change === 'all' ? bus.publish([], [], true) : bus.publish(change.entities, change.collections));
  const applyChanges = createChangeApplier({ cache, policies, warn, publish: async (e, c) => void (await bus.publish(e, c)) });
  // Every instance receives the change feed itself, so feed changes are not re-published.
  const applyFeedChanges = createChangeApplier({ cache, policies, warn });
  const db = prisma.$extends(cacheSync({ relations, onCommit: applyChanges, epoch: () => cache.l2.knownEpoch })) as unknown as PrismaClient;

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    formatError: createFormatError({
      production: config.production,
      onInternal: (error) => logger.error({ err: error }, 'internal error while resolving'),
    }),
    parseOptions: { maxTokens: DEFAULT_LIMITS.maxTokens },
    // Order: refuse over-limit operations before anything runs; the status
    // and stats plugins only shape the response.
    // Apollo's own landing page loads scripts from a CDN: off. Browsers get our
    // offline playground from the HTTP layer instead (not in production).
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      protectionPlugin(DEFAULT_LIMITS),
      rateLimitStatusPlugin(),
      statsPlugin({ enabled: !config.production }),
    ],
  });
  await apollo.start();

  const stopFeed = await database.listen(
    'catalog_changes',
    (payload) => {
      const batch = parseChange(payload, relations);
      if (batch) void applyFeedChanges(batch);
    },
    () => {
      // Notifications may have been lost while reconnecting: drop all of L1,
      // and fence L2 by an epoch advance, since no instance may have applied them.
      cache.flushLocal();
      cache.l2.markMissed('change-feed');
      metrics.l1Flushes.inc({ reason: 'change-feed-reconnect' });
    },
  );

  const tokens = new TokenService(config.auth.jwtSecret, config.auth.tokenTtlSeconds);
  return {
    config,
    logger,
    metrics,
    apollo,
    cache,
    bus,
    redis,
    prisma,
    db,
    tokens,
    policies,
    close: async () => {
      await stopFeed();
      bus.close();
      await apollo.stop();
      await database.close();
      redisClient.disconnect();
    },
  };
}
