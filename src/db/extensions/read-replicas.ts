/**
 * Routes model reads to a PostgreSQL read replica chosen by a ReplicaRouter
 * (a `Prisma.defineExtension` factory, like `@prisma/extension-read-replicas`,
 * plus the fallback and health below). Only reads of the client it extends are
 * routed: writes, raw queries and everything in a transaction use the
 * client's own (primary) connection. A read that fails on a replica is tried
 * once on the primary, and that replica is skipped until it answers again.
 */
import { Prisma } from '../../generated/prisma/client.js';
import type { ReplicaRouter } from '../replica-router.js';

const READS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);

export function readReplicas(router: ReplicaRouter) {
  return Prisma.defineExtension((client) =>
    client.$extends({
      name: 'read-replicas',
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }) {
            if (!READS.has(operation)) return query(args);
            const replica = router.pick();
            if (!replica) return query(args);
            const delegate = (
              replica as unknown as Record<string, Record<string, (a: unknown) => Promise<unknown>>>
            )[lowerFirst(model)]!;
            try {
              return await delegate[operation]!(args);
            } catch (error) {
              // Errors about the query itself (not found, bad input) are the caller's.
              if (error instanceof Prisma.PrismaClientKnownRequestError && !/^P10/.test(error.code))
                throw error;
              router.failed(replica);
              return query(args);
            }
          },
        },
      },
    }),
  );
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
