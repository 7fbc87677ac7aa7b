/**
 * The front door of the cache: code outside src/cache imports from here
 * only. What is exported is the cache's public surface; everything else in
 * the folder is an internal of it.
 *
 * - The tiered cache and its write door: CatalogCache (apply a
 *   CommittedBatch; it owns the invalidation bus), cache policies, keys.
 * - The seams (contracts.ts) and their implementations: L2 drivers (Redis,
 *   in memory), invalidation transports (Redis pub/sub, in memory), codecs.
 * - The read side's building blocks the loaders and response reuse use.
 * - Pure parts exported for their tests and for tools: the version rule, the
 *   record format, the epoch bookkeeping, the scripts.
 */

// The cache and its write door.
export { CatalogCache, type CacheOptions, type L2Backend } from './catalog-cache.js';
export type { CommitSink, CommittedBatch, CommittedChange } from './committed-batch.js';
export { type CacheMode, type CachePolicy, jitter } from './policy.js';
export { CacheKeys, type CollectionId, SHAPE_VERSION } from './keys.js';

// Seams: contracts and implementations.
export type {
  CallGate,
  Clock,
  Codec,
  CollectionFill,
  EntityFill,
  EntityWrite,
  IdSource,
  InvalidationTransport,
  L1Tier,
  L2Driver,
  ShardCall,
  WriteOutcome,
} from './contracts.js';
export { RedisL2Driver, redisL2 } from './redis-l2-driver.js';
export {
  MemoryL2Driver,
  memoryL2,
  openGate,
  type MemoryL2DriverOptions,
} from './memory-l2-driver.js';
export { redisTransport, type RedisTransportOptions } from './redis-transport.js';
export { MemoryHub } from './memory-transport.js';
export { jsonCodec, msgpackCodec } from './codec.js';
export {
  InvalidationBus,
  type FlushReason,
  type InvalidationBusOptions,
  type InvalidationMessage,
} from './invalidation-bus.js';

// The read side, as loaders and response reuse see it.
export type { CollectionRef } from './collection-cache.js';
export type { FetchRows, VersionedRow } from './entity-cache.js';
export { ReadSet, type Dependencies } from './read-set.js';
export {
  ResponseStore,
  type ResponseStoreCounts,
  type ResponseStoreOptions,
  type StoredResponse,
} from './response-store.js';

// Parts, for their tests and tools.
export { L1Store, type L1Entry, type L1Options } from './l1-store.js';
export { L2Store, type L2StoreOptions } from './l2-store.js';
export { L2Shards, type L2Ops, type L2ShardsOptions } from './l2-shards.js';
export { L2Epoch, type MissedEntity, type MissReason, type RecoveryPlan } from './l2-epoch.js';
export { decodeRecord, encodeRecord, type L2Record, type RecordKind } from './l2-record.js';
export { CollectionFence } from './collection-fence.js';
export { SingleFlight } from './single-flight.js';
export {
  acceptsCollectionFill,
  acceptsFence,
  acceptsFill,
  bumpedVersion,
  VERSION_RULE_LUA,
} from './version-rule.js';
export * as l2Scripts from './l2-scripts.js';
