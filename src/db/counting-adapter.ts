/**
 * Wraps a Prisma driver adapter factory so every SQL statement sent to the
 * database is reported, including BEGIN (which adapters send themselves) and
 * COMMIT/ROLLBACK (which Prisma sends as statements). The per-request count in
 * `extensions.stats` and the `db_statements_total` metric both come from here.
 */
import type {
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  Transaction,
} from '@prisma/driver-adapter-utils';

export type StatementListener = () => void;

function countQueries<T extends { queryRaw: unknown; executeRaw: unknown }>(
  target: T,
  onStatement: StatementListener,
): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'queryRaw' || prop === 'executeRaw') {
        return (...args: unknown[]) => {
          onStatement();
          return value.apply(obj, args);
        };
      }
      if (prop === 'startTransaction') {
        return async (...args: unknown[]) => {
          onStatement(); // BEGIN
          const tx = (await value.apply(obj, args)) as Transaction;
          return countQueries(tx, onStatement);
        };
      }
      return value.bind(obj);
    },
  });
}

/** Returns a factory whose adapters call `onStatement` once per SQL statement. */
export function countingAdapterFactory(
  factory: SqlDriverAdapterFactory,
  onStatement: StatementListener,
): SqlDriverAdapterFactory {
  return new Proxy(factory, {
    get(obj, prop, receiver) {
      if (prop === 'connect') {
        return async () => countQueries<SqlDriverAdapter>(await obj.connect(), onStatement);
      }
      const value = Reflect.get(obj, prop, receiver);
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
}
