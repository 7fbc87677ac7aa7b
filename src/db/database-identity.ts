/**
 * The identity of the database the API serves, used to namespace everything
 * it keeps in Redis, so two databases sharing one Redis can never read each
 * other's cache entries, invalidations or rate-limit counters, while every
 * instance of one database shares them.
 *
 * It is read from the server, not stored: the cluster's system identifier
 * (pg_control_system(), chosen at initdb, so a restore into another cluster
 * or another PGlite folder differs) plus the database's OID and name (a
 * clone with CREATE DATABASE ... TEMPLATE, or a database dropped and created
 * again under the same name, gets a new OID). A cache id written by a
 * migration would instead be copied by every clone and dump/restore, and two
 * copies would then share entries. Replicas of one database share all three,
 * and so share the cache, as they should.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface DatabaseIdentity {
  /** A short, key-safe digest: `db` + 12 hex digits. */
  id: string;
  /** The database's name, for logs. */
  name: string;
}

export async function readDatabaseIdentity(
  prisma: PrismaClient,
  warn?: (message: string, error: unknown) => void,
): Promise<DatabaseIdentity> {
  const [row] = await prisma.$queryRawUnsafe<Array<{ name: string; oid: string }>>(
    'SELECT current_database()::text AS name, (SELECT oid FROM pg_database WHERE datname = current_database())::text AS oid',
  );
  let system = 'unknown';
  try {
    const [control] = await prisma.$queryRawUnsafe<Array<{ system: string }>>(
      'SELECT system_identifier::text AS system FROM pg_control_system()',
    );
    system = control?.system ?? system;
  } catch (error) {
    // Servers that restrict pg_control_system() to monitoring roles: name and
    // OID still tell the databases of one cluster apart.
    warn?.(
      'pg_control_system() is not readable: the cache namespace uses the database name and OID only',
      error,
    );
  }
  const name = row?.name ?? 'unknown';
  const digest = createHash('sha256')
    .update(`${system}/${row?.oid ?? ''}/${name}`)
    .digest('hex')
    .slice(0, 12);
  return { id: `db${digest}`, name };
}
