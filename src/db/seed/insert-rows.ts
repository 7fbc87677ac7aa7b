/**
 * Multi-row INSERTs with bound parameters, sent as raw SQL through the Prisma
 * client. Prisma's `createMany` compiles every chunk into a query plan and
 * holds several copies of the rows while doing so: seeding 20,000 products
 * that way peaked above 1 GB of memory. A raw INSERT keeps only the chunk's
 * parameter array, so memory stays bounded by the chunk size whatever the
 * catalog size.
 */
import type { PrismaClient } from '../../generated/prisma/client.js';

/** PostgreSQL's limit on bind parameters in one statement is 65,535; stay well below. */
const MAX_PARAMETERS = 30_000;

export interface TableShape<Row> {
  table: string;
  columns: ReadonlyArray<keyof Row & string>;
  /** Columns of an enum type need a cast from the text parameter. */
  casts?: Partial<Record<keyof Row & string, string>>;
}

/** How many rows of `shape` fit in one statement. */
export function rowsPerStatement(shape: TableShape<never>): number {
  return Math.floor(MAX_PARAMETERS / shape.columns.length);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** One INSERT of all `rows` (at most rowsPerStatement(shape) of them). */
export async function insertRows<Row>(
  prisma: PrismaClient,
  shape: TableShape<Row>,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const placeholders = shape.columns.map((column) => {
      values.push(row[column] ?? null);
      const cast = shape.casts?.[column];
      return cast ? `$${values.length}::${quote(cast)}` : `$${values.length}`;
    });
    tuples.push(`(${placeholders.join(',')})`);
  }
  const sql = `INSERT INTO ${quote(shape.table)} (${shape.columns.map(quote).join(',')}) VALUES ${tuples.join(',')}`;
  await prisma.$executeRawUnsafe(sql, ...values);
}
