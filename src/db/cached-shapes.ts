/**
 * What of each model's row may enter the shared cache. Only viewer-independent
 * data is shared (promise 7): a user's email, role and password hash never
 * leave the database through the cache. The read path selects exactly these
 * fields and the write path projects written rows to them, so both tiers
 * always hold the same shape.
 */

const PUBLIC_USER_FIELDS = ['id', 'name', 'version', 'createdAt', 'updatedAt'] as const;

export interface PublicUser {
  id: number;
  name: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The Prisma `select` that reads exactly the public fields. */
export const publicUserSelect = Object.fromEntries(PUBLIC_USER_FIELDS.map((f) => [f, true])) as Record<(typeof PUBLIC_USER_FIELDS)[number], true>;

const projections: Record<string, readonly string[] | undefined> = {
  User: PUBLIC_USER_FIELDS,
};

/** A user row reduced to its public fields. */
export function toPublicUser(row: PublicUser): PublicUser {
  return toCachedShape('User', row as unknown as Record<string, unknown>) as unknown as PublicUser;
}

/** Projects a row to what may be cached for `model`. */
export function toCachedShape<T extends Record<string, unknown>>(model: string, row: T): Record<string, unknown> {
  const fields = projections[model];
  if (!fields) return row;
  return Object.fromEntries(fields.map((f) => [f, row[f]]));
}
