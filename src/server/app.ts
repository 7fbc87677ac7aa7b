/**
 * The composition root: builds every client and service from the config,
 * wires them, and tears them down in reverse order. Nothing imports this
 * module but the entry points and tests.
 *
 * Order matters:
 * 1. metrics and logger (everything reports into them);
 * 2. Redis (optional: the API serves without it);
 * 3. the database, counting statements per request, and its identity,
 *    which namespaces everything kept in Redis (one cache per database);
 *    then the tiered cache in that namespace;
 * 4. the relation map (from the migrated schema) and the caching extension;
 * 5. the schema (directives read once) and Apollo Server;
 * 6. the invalidation bus and the change-feed listener, last, once
 *    everything they feed exists.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { TokenService } from '../auth/tokens.js';
import { CatalogCache, type RecoveredChange } from '../cache/catalog-cache.js';
import { InvalidationBus } from '../cache/invalidation-bus.js';
import type { CachePolicy } from '../cache/policy.js';
import type { Config } from '../config/config.js';
import { createChangeApplier } from '../db/apply-changes.js';
import { parseChange } from '../db/change-feed.js';
import { openDatabase } from '../db/database.js';
import { cacheSync } from '../db/extensions/cache-sync.js';
import { readReplicas } from '../db/extensions/read-replicas.js';
import { ReplicaRouter } from '../db/replica-router.js';
import { loadRelationMap } from '../db/relations.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { GraphQLContext } from '../graphql/context.js';
import { createFormatError } from '../graphql/format-error.js';
import { applyRateLimitDirective } from '../graphql/directives/rate-limit.js';
import { DEFAULT_LIMITS } from '../graphql/protection/limits.js';
import { protectionPlugin } from '../graphql/protection/protection-plugin.js';
import { ResponseReuse } from '../graphql/reuse/response-reuse.js';
import { responseReusePlugin } from '../graphql/reuse/reuse-plugin.js';
import { buildSchema } from '../graphql/schema.js';
import { RateLimiter } from '../ratelimit/rate-limiter.js';
import { rateLimitStatusPlugin } from './rate-limit-status-plugin.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics, observeResponseStore } from '../observability/metrics.js';
import { OperationLabels } from '../observability/operation-labels.js';
import { readDatabaseIdentity, type DatabaseIdentity } from '../db/database-identity.js';
import type { RateLimitConsumer } from '../ratelimit/rule.js';
import { observabilityPlugin } from './observability-plugin.js';
import { createRedisConnection, RedisGate } from '../redis/redis-client.js';
import { statsPlugin } from './stats-plugin.js';

export interface App {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  apollo: ApolloServer<GraphQLContext>;
  cache: CatalogCache;
  bus: InvalidationBus;
  redis: RedisGate;
  /** The client for reads (routed to read replicas when configured). */
  prisma: PrismaClient;
  /** The client with the caching extension, for writes. */
  db: PrismaClient;
  tokens: TokenService;
  /** Versioned response reuse; undefined when off (RESPONSE_REUSE_MAX_BYTES=0, or not l1+l2). */
  reuse: ResponseReuse | undefined;
  /** Bounded metric labels for operation names (shared by executed and reused responses). */
  operationLabels: OperationLabels;
  /** Cache policy per type, read from @cacheable. */
  policies: ReadonlyMap<string, CachePolicy>;
  /** The database served; its id namespaces every Redis key and channel. */
  identity: DatabaseIdentity;
  /** `<CACHE_PREFIX>:<database id>`: the prefix of every key this app writes to Redis. */
  namespace: string;
  close(): Promise<void>;
}

export interface AppOverrides {
  logger?: Logger;
  now?: () => number;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const metrics = createMetrics({ defaultMetrics: config.env !== 'test', prefix: config.metrics.prefix });
  const warn = (message: string, error?: unknown) => logger.warn({ err: error }, message);

  let redisWarned = false;
  const redisClient = createRedisConnection(config.redis.topology, {
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
  const redis = new RedisGate(redisClient);

  let sqlStatements = 0;
  const database = await openDatabase({
    onPoolError: (error) => logger.warn({ err: error.message }, 'a pooled database connection failed; it will be replaced'),
    url: config.database.url,
    replicaUrls: config.database.replicaUrls,
    pgliteDir: config.database.pgliteDir,
    poolSize: config.database.poolSize,
    connectTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
    onStatement: () => {
      sqlStatements++;
      metrics.dbStatements.inc();
    },
  });
  const prisma = database.prisma;
  const identity = await readDatabaseIdentity(prisma, warn);
  const namespace = `${config.cache.prefix}:${identity.id}`;
  const cache = new CatalogCache({
    mode: config.cache.mode,
    prefix: namespace,
    shards: config.redis.cacheShards,
    l1MaxEntries: config.cache.l1MaxEntries,
    l1MaxBytes: config.cache.l1MaxBytes,
    gate: redis,
    metrics,
    now: overrides.now,
    warn,
    responseReuseBytes: config.cache.responseReuseBytes,
    // Assigned below, once the bus exists.
    onRecovered: (change) => onRecovered(change),
  });
  let onRecovered: (change: RecoveredChange) => void = () => undefined;
  observeResponseStore(metrics, cache.responses);
  metrics.observe({
    redisUp: () => redisClient.status === 'ready',
    // Disconnected, the gate refuses every call just as an open breaker does.
    redisBreakerOpen: () => redisClient.status !== 'ready' || redis.breaker.state === 'open',
    l1: () => ({ entries: cache.l1.entries, bytes: cache.l1.bytes }),
    dbPool: () => database.poolStats(),
  });

  const limiter = new RateLimiter({
    gate: {
      run: (call, onRoundTrip) => redis.run(call, onRoundTrip),
      get connected() {
        return redisClient.status === 'ready';
      },
    },
    prefix: namespace,
    now: overrides.now,
    fallback: config.rateLimitFallback,
    onFallback: (rule, mode) => metrics.rateLimitFallbacks.inc({ field: rule.field, mode }),
    onOutage: (event, { mode, redisConnected }) => {
      if (event === 'ended') logger.info('Redis answers rate-limit checks again');
      else logger.warn({ mode, redisConnected, setting: config.rateLimitFallback }, 'Redis cannot answer rate-limit checks: falling back until it does');
    },
  });
  const countingLimiter: RateLimitConsumer = {
    consume: async (rule, keyParts, cost, stats) => {
      const result = await limiter.consume(rule, keyParts, cost, stats);
      if (!result.allowed) metrics.rateLimitRefusals.inc({ field: rule.field });
      return result;
    },
    consumeMany: async (checks, stats) => {
      const results = await limiter.consumeMany(checks, stats);
      results.forEach((result, i) => result.allowed || metrics.rateLimitRefusals.inc({ field: checks[i]!.rule.field }));
      return results;
    },
  };
  const { schema, policies } = buildSchema((base) =>
    config.rateLimitEnabled
      ? applyRateLimitDirective<GraphQLContext>(base, {
          limiter: countingLimiter,
          identify: (ctx) => ({ ip: ctx.clientIp, userId: ctx.viewer?.id ?? null }),
          stats: (ctx) => ctx.stats,
          ledger: (ctx) => ctx.ledger,
        })
      : base,
  );
  const relations = await loadRelationMap(prisma, Object.values(Prisma.ModelName));
  const bus = new InvalidationBus({
    gate: redis,
    subscriber: createRedisConnection(config.redis.topology, { commandTimeoutMs: config.redis.commandTimeoutMs, name: 'catalog:bus' }),
    channel: `${namespace}:invalidate`,
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
  // With read replicas, loaders read through the router; every commit first
  // records the primary's WAL position, so this instance's later reads wait
  // for a replica that has replayed it (or use the primary meanwhile).
  const replicaRouter = database.replicas.length
    ? new ReplicaRouter({ replicas: [...database.replicas], primaryLsn: () => database.primaryLsn(), onRead: (to) => metrics.dbReads.inc({ to }) })
    : undefined;
  const onCommit = replicaRouter
    ? async (batch: Parameters<typeof applyChanges>[0]) => {
        await replicaRouter.committed();
        await applyChanges(batch);
      }
    : applyChanges;
  const db = prisma.$extends(cacheSync({ relations, onCommit, epoch: () => cache.l2.knownEpoch })) as unknown as PrismaClient;
  const reads = replicaRouter ? (prisma.$extends(readReplicas(replicaRouter)) as unknown as PrismaClient) : prisma;
  const reuse = cache.responses
    ? new ResponseReuse({
        store: cache.responses,
        isCurrent: (deps) => cache.isCurrent(deps),
        limiter: config.rateLimitEnabled ? countingLimiter : undefined,
      })
    : undefined;

  const operationLabels = new OperationLabels({ known: config.metrics.operationNames, maxDynamic: config.metrics.maxOperations });
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // We own SIGINT/SIGTERM (src/server/main.ts drains, then stops Apollo);
    // Apollo's own handler would stop it mid-drain and re-raise the signal.
    stopOnTerminationSignals: false,
    // Masked errors are logged with the request id by observabilityPlugin.
    formatError: createFormatError({ production: config.production }),
    parseOptions: { maxTokens: DEFAULT_LIMITS.maxTokens },
    // Order: refuse over-limit operations before anything runs; response
    // reuse keeps a response before the stats plugin reports what it did;
    // the status and stats plugins only shape the response.
    // Apollo's own landing page loads scripts from a CDN: off. Browsers get our
    // offline playground from the HTTP layer instead (not in production).
    // Cache-control hints: off; the cache policy is @cacheable, and the
    // plugin's per-field hook costs every request.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      protectionPlugin(DEFAULT_LIMITS),
      ...(reuse ? [responseReusePlugin(reuse)] : []),
      rateLimitStatusPlugin(),
      statsPlugin({ enabled: !config.production, sqlStatements: () => sqlStatements }),
      observabilityPlugin({
        metrics,
        logger,
        labels: operationLabels,
      }),
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
    prisma: reads,
    db,
    tokens,
    reuse,
    operationLabels,
    policies,
    identity,
    namespace,
    close: async () => {
      await stopFeed();
      replicaRouter?.close();
      bus.close();
      await apollo.stop();
      await database.close();
      // QUIT lets replies in flight arrive; a Redis that is not there is just dropped.
      await redisClient.quit().catch(() => redisClient.disconnect());
    },
  };
}
