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
 * 4. the rate limiter and the schema (directives and cache policies read once);
 * 5. the tiered cache in that namespace, with its L2 on Redis and its
 *    invalidation bus on Redis pub/sub (the cache owns the bus);
 * 6. the relation map (from the migrated schema) and the caching extension,
 *    which hands every committed write to the cache's write door;
 * 7. Apollo Server, and the lean path that executes the query texts it has
 *    accepted without its pipeline;
 * 8. the change feed, last, once the cache it feeds exists: it hands every
 *    committed change, whoever made it, to the same door.
 */
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { TokenService } from '../auth/tokens.js';
import { CatalogCache, type CachePolicy, redisL2, redisTransport } from '../cache/index.js';
import type { Config } from '../config/config.js';
import { ChangeFeed } from '../db/change-feed.js';
import { openDatabase } from '../db/database.js';
import { cacheSync } from '../db/extensions/cache-sync.js';
import { readReplicas } from '../db/extensions/read-replicas.js';
import { ReplicaRouter } from '../db/replica-router.js';
import { loadRelationMap } from '../db/relations.js';
import { type CachedShapes, projectRow } from '../model/projection.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { GraphQLContext } from '../graphql/context.js';
import { createFormatError } from '../graphql/format-error.js';
import { applyRateLimitDirective } from '../graphql/directives/rate-limit.js';
import { DEFAULT_LIMITS } from '../graphql/protection/limits.js';
import {
  createProtectionCheck,
  protectionPlugin,
} from '../graphql/protection/protection-plugin.js';
import { KnownOperations, knownOperationsPlugin } from '../graphql/known-operations.js';
import { ResponseReuse } from '../graphql/reuse/response-reuse.js';
import { responseReusePlugin } from '../graphql/reuse/reuse-plugin.js';
import { OperationExecutor } from '../graphql/executor.js';
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
import { LeanExecution } from './lean-execution.js';

export interface App {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  apollo: ApolloServer<GraphQLContext>;
  /** The tiered cache; it owns the invalidation bus (`cache.bus`). */
  cache: CatalogCache;
  /** The database's change feed; undefined when turned off (AppOverrides.changeFeed). */
  changeFeed: ChangeFeed | undefined;
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
  /** Executes query texts Apollo has accepted before without its pipeline; undefined when off (GRAPHQL_LEAN_PATH). */
  lean: LeanExecution | undefined;
  /** Cache policy per type, read from @cacheable. */
  policies: ReadonlyMap<string, CachePolicy>;
  /** What of each registered model's row may be cached, read from the SDL's `@private`. */
  shapes: CachedShapes;
  /** The database served; its id namespaces every Redis key and channel. */
  identity: DatabaseIdentity;
  /** `<CACHE_PREFIX>:<database id>`: the prefix of every key this app writes to Redis. */
  namespace: string;
  close(): Promise<void>;
}

export interface AppOverrides {
  logger?: Logger;
  now?: () => number;
  /** false: do not listen to the database's change feed (a test of the extension alone). Default true. */
  changeFeed?: boolean;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const metrics = createMetrics({
    defaultMetrics: config.env !== 'test',
    prefix: config.metrics.prefix,
  });
  const logger =
    overrides.logger ??
    createLogger({
      level: config.logLevel,
      format: config.logFormat,
      bufferBytes: config.logBufferBytes,
      onDrop: (lines) => metrics.logLinesDropped.inc(lines),
    });
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
        logger.warn(
          { err: error?.message },
          'Redis unreachable: serving from L1 and PostgreSQL until it returns',
        );
      }
    },
  });
  const redis = new RedisGate(redisClient, {
    // Every failed call falls back (L1, database, local limits); count each, log the first of an outage.
    onFailure: (error, first) => {
      metrics.redisFailures.inc();
      if (first)
        logger.warn(
          { err: (error as Error)?.message },
          'a Redis call failed: falling back until Redis answers again',
        );
    },
  });

  let sqlStatements = 0;
  const database = await openDatabase({
    onPoolError: (error) =>
      logger.warn(
        { err: error.message },
        'a pooled database connection failed; it will be replaced',
      ),
    url: config.database.url,
    replicaUrls: config.database.replicaUrls,
    pgliteDir: config.database.pgliteDir,
    poolSize: config.database.poolSize,
    connectTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
    // Production never shows Prisma's messages; the call site they point at costs every query.
    errorFormat: config.production ? 'minimal' : undefined,
    onStatement: () => {
      sqlStatements++;
      metrics.dbStatements.inc();
    },
  });
  const prisma = database.prisma;
  const identity = await readDatabaseIdentity(prisma, warn);
  const namespace = `${config.cache.prefix}:${identity.id}`;
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
      else
        logger.warn(
          { mode, redisConnected, setting: config.rateLimitFallback },
          'Redis cannot answer rate-limit checks: falling back until it does',
        );
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
      results.forEach(
        (result, i) =>
          result.allowed || metrics.rateLimitRefusals.inc({ field: checks[i]!.rule.field }),
      );
      return results;
    },
  };
  const { schema, policies, shapes } = buildSchema((base) =>
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
  const cache = new CatalogCache({
    mode: config.cache.mode,
    prefix: namespace,
    shards: config.redis.cacheShards,
    l1MaxEntries: config.cache.l1MaxEntries,
    l1MaxBytes: config.cache.l1MaxBytes,
    l2: redisL2(redis),
    transport: redisTransport({
      gate: redis,
      subscriber: createRedisConnection(config.redis.topology, {
        commandTimeoutMs: config.redis.commandTimeoutMs,
        name: 'catalog:bus',
      }),
      channel: `${namespace}:invalidate`,
    }),
    policies,
    project: (model, row) => projectRow(shapes, model, row),
    metrics,
    now: overrides.now,
    warn,
    responseReuseBytes: config.cache.responseReuseBytes,
  });
  observeResponseStore(metrics, cache.responses);
  metrics.observe({
    redisUp: () => redisClient.status === 'ready',
    // Disconnected, the gate refuses every call just as an open breaker does.
    redisBreakerOpen: () => redisClient.status !== 'ready' || redis.breaker.state === 'open',
    l1: () => ({ entries: cache.l1.entries, bytes: cache.l1.bytes }),
    dbPool: () => database.poolStats(),
  });
  // With read replicas, loaders read through the router; every commit first
  // records the primary's WAL position, so this instance's later reads wait
  // for a replica that has replayed it (or use the primary meanwhile).
  const replicaRouter = database.replicas.length
    ? new ReplicaRouter({
        replicas: [...database.replicas],
        primaryLsn: () => database.primaryLsn(),
        onRead: (to) => metrics.dbReads.inc({ to }),
      })
    : undefined;
  const sink: Parameters<typeof cacheSync>[0]['sink'] = replicaRouter
    ? {
        get knownEpoch() {
          return cache.knownEpoch;
        },
        apply: async (batch) => {
          await replicaRouter.committed();
          await cache.apply(batch);
        },
        writing: (model, id) => cache.writing(model, id),
      }
    : cache;
  // Writes through this client reach the cache's write door after commit.
  const db = prisma.$extends(cacheSync({ relations, sink })) as unknown as PrismaClient;
  const reads = replicaRouter
    ? (prisma.$extends(readReplicas(replicaRouter)) as unknown as PrismaClient)
    : prisma;
  const reuse = cache.responses
    ? new ResponseReuse({
        store: cache.responses,
        isCurrent: (deps) => cache.isCurrent(deps),
        limiter: config.rateLimitEnabled ? countingLimiter : undefined,
      })
    : undefined;

  const operationLabels = new OperationLabels({
    known: config.metrics.operationNames,
    maxDynamic: config.metrics.maxOperations,
  });
  const executor = new OperationExecutor(schema, {
    compileAfter: config.jitAfter,
    onCompile: (outcome) => metrics.graphqlCompilations.inc({ outcome }),
    executedBefore: (context) => (context as GraphQLContext).executed,
  });
  const protection = createProtectionCheck(DEFAULT_LIMITS);
  const known = config.leanPath ? new KnownOperations() : undefined;
  const lean =
    known &&
    new LeanExecution({
      schema,
      known,
      executor,
      protection,
      reuse,
      metrics,
      labels: operationLabels,
      sqlStatements: () => sqlStatements,
    });
  const apollo = new ApolloServer<GraphQLContext>({
    // Apollo parses, validates and runs the plugins; the executor runs operations (graphql-jit).
    gateway: executor.asGateway(),
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
    // the status and stats plugins only shape the response; the last one
    // records accepted query texts for the lean path (lean-execution.ts),
    // which stands in for all of them on the texts it serves.
    // Apollo's own landing page loads scripts from a CDN: off. Browsers get our
    // offline playground from the HTTP layer instead (not in production).
    // Cache-control hints: off; the cache policy is @cacheable, and the
    // plugin's per-field hook costs every request.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      protectionPlugin(protection),
      ...(reuse ? [responseReusePlugin(reuse)] : []),
      rateLimitStatusPlugin(),
      statsPlugin({ enabled: !config.production, sqlStatements: () => sqlStatements }),
      observabilityPlugin({
        metrics,
        logger,
        labels: operationLabels,
      }),
      ...(known ? [knownOperationsPlugin(known, schema)] : []),
    ],
  });
  await apollo.start();

  // With read replicas, a commit heard of through the feed (another
  // instance's, or psql's) keeps reads on the primary until a replica has
  // replayed it: a read that misses the cache must not return it older.
  const feedSink: ConstructorParameters<typeof ChangeFeed>[0]['sink'] = replicaRouter
    ? {
        apply: (batch) => {
          replicaRouter.seen();
          return cache.apply(batch);
        },
        changesLost: (reason) => {
          replicaRouter.seen();
          cache.changesLost(reason);
        },
      }
    : cache;
  const changeFeed =
    overrides.changeFeed === false
      ? undefined
      : new ChangeFeed({ database, relations, sink: feedSink });
  await changeFeed?.start();

  const tokens = new TokenService(config.auth.jwtSecret, config.auth.tokenTtlSeconds);
  return {
    config,
    logger,
    metrics,
    apollo,
    cache,
    changeFeed,
    redis,
    prisma: reads,
    db,
    tokens,
    reuse,
    operationLabels,
    lean,
    policies,
    shapes,
    identity,
    namespace,
    close: async () => {
      await changeFeed?.close();
      replicaRouter?.close();
      cache.close();
      await apollo.stop();
      await database.close();
      // QUIT lets replies in flight arrive; a Redis that is not there is just dropped.
      await redisClient.quit().catch(() => redisClient.disconnect());
    },
  };
}
