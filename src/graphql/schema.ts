/**
 * Builds the executable schema from the SDL files in schema/ and the
 * resolvers, then applies the schema directives, and reads the cache policy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { CachePolicy } from '../cache/index.js';
import { type CachedShapes, readCachedShapes } from '../model/projection.js';
import { readCachePolicies } from './cache-policy.js';
import { documentDirectives } from './directive-docs.js';
import { resolvers } from './resolvers/index.js';

/** schema/ at the repository root, from src/graphql or dist/src/graphql. */
export function schemaDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../schema'), path.resolve(here, '../../../schema')];
  const found = candidates.find((dir) => {
    try {
      return readdirSync(dir).some((f) => f.endsWith('.graphql'));
    } catch {
      return false;
    }
  });
  if (!found) throw new Error(`schema/*.graphql not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function loadTypeDefs(dir = schemaDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

export interface BuiltSchema {
  schema: GraphQLSchema;
  policies: Map<string, CachePolicy>;
  /** What of each registered model's row may be cached, from `@private` (src/model/projection.ts). */
  shapes: CachedShapes;
}

/** `transform` applies schema directives that need runtime services (rate limits). */
export function buildSchema(
  transform: (schema: GraphQLSchema) => GraphQLSchema = (s) => s,
): BuiltSchema {
  // Directives are invisible to introspection: their meaning goes into the descriptions the playground shows.
  const base = documentDirectives(
    makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never }),
  );
  const schema = transform(base);
  return { schema, policies: readCachePolicies(schema), shapes: readCachedShapes(schema) };
}
