/**
 * The Redis deployments the API runs on. Parsed from the environment by
 * src/config/config.ts; turned into an ioredis connection by src/redis/redis-client.ts.
 */
export interface HostPort {
  host: string;
  port: number;
}

export type RedisTopology =
  /** One server (or a managed endpoint that hides its failover). */
  | { mode: 'standalone'; url: string }
  /** A primary with replicas, failed over by sentinels; ioredis asks them for the current primary. */
  | {
      mode: 'sentinel';
      sentinels: HostPort[];
      masterName: string;
      password?: string;
      username?: string;
      sentinelPassword?: string;
    }
  /** Redis Cluster: keys spread over several primaries by hash slot. */
  | { mode: 'cluster'; nodes: HostPort[]; password?: string; username?: string };
