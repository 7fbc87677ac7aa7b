/**
 * Cache key construction. Every key is `<prefix>:<shape>:<kind>:...`, where
 * `shape` is the stored-shape version: bump SHAPE_VERSION whenever what is
 * stored under a key changes, so a deploy never decodes old blobs.
 *
 * Ids and collection parts are validated and encoded before they enter a key;
 * user input never becomes a key pattern. A collection's keys share one hash
 * tag, so its version and entries live in one Redis Cluster slot.
 *
 * With `shards` > 0 (Redis Cluster), every entity and collection key carries
 * one of `shards` hash tags, `{<base>#<n>}`, chosen by a stable hash of the
 * entity or collection, and each shard has its own copy of the L2 epoch key:
 * a script touches one shard's keys and its epoch, so it is never cross-slot,
 * and a batch costs one command per shard it touches, pipelined per node.
 * With 0 (standalone, Sentinel) keys keep the single-node layout.
 */

/** Bump when the stored value format changes (see codec.ts and l2-store.ts). */
export const SHAPE_VERSION = 2;

const MODEL = /^[A-Z][A-Za-z0-9]{0,63}$/;
/** Built entity keys remembered per model (about 100 bytes each). */
const ENTITY_KEYS_PER_MODEL = 16_384;
const PART = /^[A-Za-z0-9_.=-]{1,200}$/;
/** A namespace: `<CACHE_PREFIX>:<database id>` (see src/db/database-identity.ts). */
const NAMESPACE = /^[A-Za-z0-9_.=-]{1,64}(:[A-Za-z0-9_.=-]{1,64})?$/;

/** Identifies a cached collection: a list or aggregate that depends on one set of rows. */
export interface CollectionId {
  /** The model whose rows make up the collection, e.g. 'Review'. */
  model: string;
  /** The foreign key that scopes it (e.g. 'productId'), or null for all rows. */
  field: string | null;
  /** The foreign key's value, or null for all rows. */
  value: number | null;
}

export class CacheKeys {
  readonly base: string;
  /** Models and collection fields already validated: keys are built on every L1 lookup. */
  private readonly checked = new Set<string>();
  /**
   * Entity keys already built, per model and id: an L1 lookup then reuses
   * the same string (whose hash V8 keeps) instead of building and hashing a
   * new one. At most ENTITY_KEYS_PER_MODEL per model; then it starts over.
   */
  private readonly entityKeys = new Map<string, Map<number, string>>();

  constructor(
    prefix: string,
    readonly shards = 0,
  ) {
    if (!NAMESPACE.test(prefix))
      throw new RangeError(`cache prefix must match ${NAMESPACE}, got ${JSON.stringify(prefix)}`);
    if (!Number.isSafeInteger(shards) || shards < 0)
      throw new RangeError(`cache shards must be a non-negative integer, got ${String(shards)}`);
    this.base = `${prefix}:${SHAPE_VERSION}`;
  }

  /** The L2 key of one entity. */
  entity(model: string, id: number): string {
    let byId = this.entityKeys.get(model);
    const known = byId?.get(id);
    if (known !== undefined) return known;
    if (!this.checked.has(model)) this.checked.add(checkModel(model));
    const tail = `e:${model}:${checkId(id)}`;
    const key = this.shards ? `${this.base}:${this.tagOf(tail)}:${tail}` : `${this.base}:${tail}`;
    if (!byId) this.entityKeys.set(model, (byId = new Map()));
    if (byId.size >= ENTITY_KEYS_PER_MODEL) byId.clear();
    byId.set(id, key);
    return key;
  }

  /** The hash tag of the shard `name` belongs to. */
  private tagOf(name: string): string {
    return this.shardTag(fnv1a(name) % this.shards);
  }

  private shardTag(n: number): string {
    return `{${this.base}#${n}}`;
  }

  /**
   * The epoch key that guards `key` (an entity, collection or lease key):
   * the single epoch key, or its shard's copy.
   */
  epochOf(key: string): string {
    if (!this.shards) return this.epoch();
    const tag = /\{[^}]*\}/.exec(key)?.[0];
    if (!tag) throw new RangeError(`not a sharded cache key: ${JSON.stringify(key)}`);
    return `${this.base}:${tag}:epoch`;
  }

  /** Every epoch key: the single one, or one per shard. */
  epochKeys(): string[] {
    if (!this.shards) return [this.epoch()];
    return Array.from({ length: this.shards }, (_, n) => `${this.base}:${this.shardTag(n)}:epoch`);
  }

  /** The collection name (see `collectionName`) a version key belongs to. */
  collectionOfVersionKey(key: string): string | undefined {
    return /:c:\{?(.*?)\}?:v$/.exec(key)?.[1];
  }

  /** A stable name for a collection, used in keys and in invalidation messages. */
  collectionName(c: CollectionId): string {
    const scope = `${c.model}:${c.field ?? '*'}`;
    if (!this.checked.has(scope)) {
      checkModel(c.model);
      if (c.field !== null && !/^[a-z][A-Za-z0-9]{0,63}$/.test(c.field))
        throw new RangeError(`bad collection field ${JSON.stringify(c.field)}`);
      this.checked.add(scope);
    }
    if (c.field === null) return `${c.model}:*`;
    return `${c.model}:${c.field}=${checkId(c.value ?? NaN)}`;
  }

  /** The key holding a collection's version counter. */
  collectionVersion(c: CollectionId): string {
    const name = this.collectionName(c);
    return this.shards
      ? `${this.base}:${this.tagOf(`c:${name}`)}:c:${name}:v`
      : `${this.base}:c:{${name}}:v`;
  }

  /** The key of one cached view (`params`, e.g. 'reviews.first=5') of a collection. */
  collectionEntry(c: CollectionId, params: string): string {
    return this.collectionEntryOf(this.collectionName(c), params);
  }

  /** `collectionEntry` for a collection whose name (`collectionName`) is already known. */
  collectionEntryOf(name: string, params: string): string {
    if (!PART.test(params)) throw new RangeError(`bad collection params ${JSON.stringify(params)}`);
    return this.shards
      ? `${this.base}:${this.tagOf(`c:${name}`)}:c:${name}:${params}`
      : `${this.base}:c:{${name}}:${params}`;
  }

  /** The L2 epoch every record must carry to be valid (see l2-epoch.ts). */
  epoch(): string {
    return `${this.base}:epoch`;
  }

  /** The key of a stampede lease on another key. */
  lease(key: string): string {
    return `${key}:lease`;
  }
}

/** FNV-1a (32 bit): a stable, fast spread of names over shards. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function checkModel(model: string): string {
  if (!MODEL.test(model)) throw new RangeError(`bad model name ${JSON.stringify(model)}`);
  return model;
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0)
    throw new RangeError(`cache ids must be non-negative integers, got ${String(id)}`);
  return id;
}
