/**
 * Reads `@cacheable` from the schema once, when it is built: the cache policy
 * per object type. Types without the directive are never cached.
 */
import { getDirective } from '@graphql-tools/utils';
import { type GraphQLSchema, isObjectType } from 'graphql';
import type { CachePolicy } from '../cache/index.js';

export function readCachePolicies(schema: GraphQLSchema): Map<string, CachePolicy> {
  const policies = new Map<string, CachePolicy>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const args = getDirective(schema, type, 'cacheable')?.[0];
    if (!args) continue;
    const seconds = (name: string, min: number): number => {
      const value = args[name] as number;
      if (!Number.isInteger(value) || value < min || value > 30 * 24 * 3600) {
        throw new Error(
          `@cacheable(${name}) on ${type.name} must be an integer from ${min} to 2592000 seconds, got ${value}`,
        );
      }
      return value * 1000;
    };
    policies.set(type.name, {
      type: type.name,
      ttlMs: seconds('ttl', 1),
      l1TtlMs: seconds('l1Ttl', 1),
      graceMs: seconds('grace', 0),
      negativeTtlMs: seconds('negativeTtl', 1),
      maxStaleMs: seconds('maxStale', 0),
      strict: Boolean(args.strict),
    });
  }
  return policies;
}
