/**
 * Typed configuration, parsed once at start-up. This is the only module that
 * reads `process.env`; everything else receives a `Config`.
 */
import { z } from 'zod';
import { ConfigError } from '../errors/app-error.js';
import type { RedisTopology } from './redis-topology.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `host:port[,host:port...]`, e.g. `10.0.0.1:7000,10.0.0.2:7000`. */
const hostPortList = z
  .string()
  .regex(
    /^[A-Za-z0-9.[\]:-]+:\d{1,5}(,[A-Za-z0-9.[\]:-]+:\d{1,5})*$/,
    'must be a comma-separated list of host:port',
  )
  .transform((value) =>
    value.split(',').map((item) => {
      const at = item.lastIndexOf(':');
      return {
        host: item.slice(0, at).replace(/^\[(.*)\]$/, '$1'),
        port: Number(item.slice(at + 1)),
      };
    }),
  )
  .refine((nodes) => nodes.every((n) => n.port >= 1 && n.port <= 65535), 'ports must be 1-65535');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  /** PostgreSQL server; when unset the embedded PGlite database in PGLITE_DIR is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgresql://')
    .refine(
      parsesAsUrl,
      'is not a valid URL (percent-encode special characters in the user name and password)',
    )
    .optional(),
  /** PostgreSQL streaming replicas for reads, comma-separated URLs (needs DATABASE_URL). */
  DATABASE_REPLICA_URLS: z
    .string()
    .refine(
      (v) => v.split(',').every((u) => /^postgres(ql)?:\/\//.test(u) && URL.canParse(u)),
      'must be comma-separated postgresql:// URLs',
    )
    .transform((v) => v.split(','))
    .optional(),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  /** Bounds on waiting for PostgreSQL, so a stalled database fails fast with DATABASE_UNAVAILABLE. */
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 600_000).default(2000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 3_600_000).default(5000),
  /** Redis for L2, the invalidation bus and rate limits; optional, the API runs without it. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .refine(parsesAsUrl, 'is not a valid URL (percent-encode special characters in the password)')
    .default('redis://127.0.0.1:6379'),
  REDIS_COMMAND_TIMEOUT_MS: int(1, 60_000).default(250),
  /** Redis Cluster: seed nodes `host:port,host:port`; the rest of the cluster is discovered from them. */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  /** Redis Sentinel: the sentinels `host:port,host:port`, and the monitored master's name. */
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only, at most 64')
    .optional(),
  /** Password (and ACL user) of the data nodes in Cluster and Sentinel mode; in standalone mode put them in REDIS_URL. */
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_USERNAME: z.string().min(1).optional(),
  /** Password of the sentinels themselves, when they require one. */
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  /**
   * How many hash-tag groups L2 spreads its keys over (each with its own copy
   * of the epoch). 0 keeps the single-node key layout; Cluster mode defaults to 64.
   */
  REDIS_CACHE_SHARDS: int(0, 4096).optional(),
  CACHE_ENABLED: bool.default(true),
  /** 'l1+l2' (default), 'l2' (no in-process tier) or 'off' (DataLoader only). */
  CACHE_MODE: z.enum(['l1+l2', 'l2', 'off']).default('l1+l2'),
  CACHE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,32}$/, 'letters, digits, _ . - only, at most 32')
    .default('catalog'),
  CACHE_L1_MAX_ENTRIES: int(100, 10_000_000).default(50_000),
  CACHE_L1_MAX_BYTES: int(1024 * 1024, 16 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Bytes of whole responses kept for versioned reuse (l1+l2 mode); 0 turns reuse off. */
  RESPONSE_REUSE_MAX_BYTES: z
    .union([z.literal('0').transform(() => 0), int(64 * 1024, 16 * 1024 * 1024 * 1024)])
    .default(32 * 1024 * 1024),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_TTL_SECONDS: int(60, 30 * 24 * 3600).default(24 * 3600),
  /** Turns @rateLimit enforcement off (benchmarks, load tests behind one IP). */
  RATE_LIMIT_ENABLED: bool.default(true),
  /** How many reverse proxies in front of us may set X-Forwarded-For (0 = trust none). */
  TRUSTED_PROXY_HOPS: int(0, 10).default(0),
  /**
   * What a rate-limit check does while Redis is down: `local` (count in this
   * instance's memory), `closed` (refuse) or `directive` (each field's own
   * `fallback:`). Default: `directive` in production, `local` elsewhere.
   */
  RATE_LIMIT_FALLBACK: z.enum(['local', 'closed', 'directive']).optional(),
  /** How long SIGTERM/SIGINT waits for in-flight requests before closing connections. */
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(8_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` (development default, needs the dev-only pino-pretty) or `json`. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /**
   * JSON log lines are written in chunks of about this many bytes, at least
   * every 250 ms and on exit (src/observability/log-stream.ts); 0 writes
   * every line at once. One write per request costs ~15% of a warm read;
   * 16 KiB chunks cost ~0.6 µs less per request than 4 KiB ones.
   */
  LOG_BUFFER_BYTES: int(0, 1_048_576).default(16_384),
  /**
   * Executions of an operation after which graphql-jit compiles it (1: on
   * first use); 0 leaves every operation to graphql-js.
   */
  GRAPHQL_JIT_AFTER: int(0, 1_000_000).default(1),
  /**
   * Runs a query text Apollo Server has already accepted without its request
   * pipeline (src/server/lean-execution.ts); false sends every request
   * through Apollo.
   */
  GRAPHQL_LEAN_PATH: bool.default(true),
  /** Prefix of every Prometheus metric name. */
  METRICS_PREFIX: z
    .string()
    .regex(
      /^([a-zA-Z_][a-zA-Z0-9_]{0,31})?$/,
      'letters, digits and _ only, at most 32, not starting with a digit',
    )
    .default('catalog_'),
  /** Operation names that get their own metric label; when unset, the first METRICS_MAX_OPERATIONS names seen. */
  METRICS_OPERATION_NAMES: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$/,
      'a comma-separated list of GraphQL operation names',
    )
    .optional(),
  METRICS_MAX_OPERATIONS: int(0, 1000).default(100),
});

/** Settings whose value is never printed, not even in an error. */
const SECRET_SETTINGS = new Set(['JWT_SECRET', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD']);
/** Settings that are URLs which may carry a password: printed with the password masked. */
const URL_SETTINGS = new Set(['DATABASE_URL', 'REDIS_URL']);

export type Env = z.input<typeof schema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  production: boolean;
  host: string;
  port: number;
  database: {
    url?: string;
    replicaUrls: string[];
    pgliteDir: string;
    poolSize: number;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
  };
  redis: {
    /** The standalone URL (also the default when no Cluster or Sentinel is configured). */
    url: string;
    commandTimeoutMs: number;
    /** Which Redis deployment to connect to; see the README's scale-out section. */
    topology: RedisTopology;
    /** Hash-tag groups of L2 keys (0: single-node layout). */
    cacheShards: number;
  };
  cache: {
    mode: 'l1+l2' | 'l2' | 'off';
    prefix: string;
    l1MaxEntries: number;
    l1MaxBytes: number;
    /** 0: response reuse off. */
    responseReuseBytes: number;
  };
  auth: { jwtSecret: string; tokenTtlSeconds: number };
  trustedProxyHops: number;
  rateLimitEnabled: boolean;
  /** What rate limits do while Redis is down (a slow Redis always falls back to `local`). */
  rateLimitFallback: 'local' | 'closed' | 'directive';
  shutdownTimeoutMs: number;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  logBufferBytes: number;
  /** Executions after which an operation is compiled by graphql-jit; 0: never. */
  jitAfter: number;
  /** Whether known query texts skip Apollo's request pipeline. */
  leanPath: boolean;
  metrics: { prefix: string; operationNames?: string[]; maxOperations: number };
}

/** Hash-tag groups on a cluster: enough to spread over many primaries, few enough to advance the epoch in one pipeline per node. */
const DEFAULT_CLUSTER_SHARDS = 64;

type Parsed = z.output<typeof schema>;

/** Which deployment the Redis settings name; exactly one of URL, cluster nodes, or sentinels. */
function redisTopology(e: Parsed, given: Record<string, string | undefined>): RedisTopology {
  const bad = (message: string) => new ConfigError(`Invalid configuration: ${message}`);
  if (e.REDIS_CLUSTER_NODES && e.REDIS_SENTINELS) {
    throw bad('REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: choose Cluster or Sentinel');
  }
  const multi = e.REDIS_CLUSTER_NODES
    ? 'REDIS_CLUSTER_NODES'
    : e.REDIS_SENTINELS
      ? 'REDIS_SENTINELS'
      : undefined;
  if (multi && given.REDIS_URL)
    throw bad(`REDIS_URL and ${multi} are both set: REDIS_URL is for a standalone server only`);
  if (!e.REDIS_SENTINELS && (e.REDIS_SENTINEL_MASTER || e.REDIS_SENTINEL_PASSWORD)) {
    throw bad('REDIS_SENTINEL_MASTER and REDIS_SENTINEL_PASSWORD need REDIS_SENTINELS');
  }
  if (!multi && (e.REDIS_PASSWORD || e.REDIS_USERNAME)) {
    throw bad(
      'REDIS_PASSWORD and REDIS_USERNAME apply to Cluster and Sentinel; for a standalone server put them in REDIS_URL',
    );
  }
  if (e.REDIS_CACHE_SHARDS === 0 && e.REDIS_CLUSTER_NODES) {
    throw bad(
      'REDIS_CACHE_SHARDS=0 cannot be used with REDIS_CLUSTER_NODES: a cluster needs at least 1 hash-tag group',
    );
  }
  const auth = { password: e.REDIS_PASSWORD, username: e.REDIS_USERNAME };
  if (e.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES, ...auth };
  if (e.REDIS_SENTINELS) {
    if (!e.REDIS_SENTINEL_MASTER)
      throw bad('REDIS_SENTINELS needs REDIS_SENTINEL_MASTER (the name the sentinels monitor)');
    return {
      mode: 'sentinel',
      sentinels: e.REDIS_SENTINELS,
      masterName: e.REDIS_SENTINEL_MASTER,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      ...auth,
    };
  }
  return { mode: 'standalone', url: e.REDIS_URL };
}

/** A fixed secret for development and tests only; production must set JWT_SECRET. */
const DEV_JWT_SECRET = 'development-only-secret-do-not-use-in-production';

function parsesAsUrl(value: string): boolean {
  return URL.canParse(value);
}

/** A value fit to print: secrets hidden, passwords inside URLs masked. */
export function printable(name: string, value: string | undefined): string {
  if (value === undefined) return 'unset';
  if (SECRET_SETTINGS.has(name)) return '(value hidden)';
  if (name === 'DATABASE_REPLICA_URLS') {
    return value.split(',').some((u) => !URL.canParse(u))
      ? '(value hidden: it may hold a password)'
      : value
          .split(',')
          .map((u) => printable('DATABASE_URL', u))
          .join(',');
  }
  if (URL_SETTINGS.has(name)) {
    if (!URL.canParse(value)) return '(value hidden: it may hold a password)';
    const url = new URL(value);
    if (url.password) url.password = '***';
    return JSON.stringify(url.toString());
  }
  return JSON.stringify(value);
}

/**
 * Parses and validates the environment. Throws a ConfigError naming every bad
 * option and why, in one line, with the value unless it is a secret (URLs are
 * shown with their password masked), so start-up stops with a clear message.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}=${printable(name, cleaned[name])}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.JWT_SECRET) {
    throw new ConfigError(
      'Invalid configuration: JWT_SECRET must be set in production (at least 32 characters)',
    );
  }
  const topology = redisTopology(e, cleaned);
  if (e.DATABASE_REPLICA_URLS && !e.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration: DATABASE_REPLICA_URLS needs DATABASE_URL (the primary); the embedded database has no replicas',
    );
  }
  return {
    env: e.NODE_ENV,
    production,
    host: e.HOST,
    port: e.PORT,
    database: {
      url: e.DATABASE_URL,
      replicaUrls: e.DATABASE_REPLICA_URLS ?? [],
      pgliteDir: e.PGLITE_DIR,
      poolSize: e.DATABASE_POOL_SIZE,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    redis: {
      url: e.REDIS_URL,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      topology,
      cacheShards:
        e.REDIS_CACHE_SHARDS ?? (topology.mode === 'cluster' ? DEFAULT_CLUSTER_SHARDS : 0),
    },
    cache: {
      mode: e.CACHE_ENABLED ? e.CACHE_MODE : 'off',
      prefix: e.CACHE_PREFIX,
      l1MaxEntries: e.CACHE_L1_MAX_ENTRIES,
      l1MaxBytes: e.CACHE_L1_MAX_BYTES,
      responseReuseBytes: e.RESPONSE_REUSE_MAX_BYTES,
    },
    auth: { jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET, tokenTtlSeconds: e.JWT_TTL_SECONDS },
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    rateLimitEnabled: e.RATE_LIMIT_ENABLED,
    // Production honours each field's `fallback:` (login refuses while Redis
    // is down, so a lost Redis cannot open the door to password guessing
    // across instances); development and tests count locally, so the API
    // works without Redis.
    rateLimitFallback: e.RATE_LIMIT_FALLBACK ?? (production ? 'directive' : 'local'),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'development' ? 'pretty' : 'json'),
    logBufferBytes: e.LOG_BUFFER_BYTES,
    jitAfter: e.GRAPHQL_JIT_AFTER,
    leanPath: e.GRAPHQL_LEAN_PATH,
    metrics: {
      prefix: e.METRICS_PREFIX,
      operationNames: e.METRICS_OPERATION_NAMES?.split(','),
      maxOperations: e.METRICS_MAX_OPERATIONS,
    },
  };
}
