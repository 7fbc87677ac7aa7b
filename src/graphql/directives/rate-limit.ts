/**
 * `@rateLimit`: read once when the schema is built; wraps each limited
 * field's resolver so every execution (each alias, each operation) is checked
 * before the field resolves. Refusals are RATE_LIMITED errors carrying the
 * seconds until retry.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import { RateLimitedError } from '../../errors/app-error.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import type { RateLimitAlgorithm, RateLimitFallback, RateLimitKeyPart, RateLimitRule } from '../../ratelimit/rule.js';

export interface CallerIdentity {
  ip: string;
  userId: number | null;
}

export interface RateLimitDirectiveOptions<C> {
  limiter: RateLimiter;
  identify: (context: C) => CallerIdentity;
}

/** Reads the field's `@rateLimit` rules, validating their arguments. */
export function readRules(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>, coordinate: string): RateLimitRule[] {
  const declared = getDirective(schema, field, 'rateLimit') ?? [];
  return declared.map((args, index) => {
    const fail = (what: string) => {
      throw new Error(`@rateLimit on ${coordinate}: ${what}`);
    };
    const limit = args.limit as number;
    const window = args.window as number;
    if (!Number.isInteger(limit) || limit < 1) fail(`limit must be a positive integer, got ${limit}`);
    if (!Number.isInteger(window) || window < 1 || window > 86_400) fail(`window must be 1..86400 seconds, got ${window}`);
    const by = args.by as RateLimitKeyPart[];
    const argument = (args.argument as string | undefined) ?? null;
    if (by.length === 0) fail('by must name at least one key part');
    if (by.includes('ARGUMENT') && (!argument || !field.args?.[argument])) fail(`argument must name one of the field's arguments, got ${argument}`);
    const burst = (args.burst as number | undefined) ?? limit;
    if (!Number.isInteger(burst) || burst < 1) fail(`burst must be a positive integer, got ${burst}`);
    return {
      field: coordinate,
      index,
      limit,
      windowMs: window * 1000,
      algorithm: args.algorithm as RateLimitAlgorithm,
      burst,
      by,
      argument,
      fallback: args.fallback as RateLimitFallback,
    };
  });
}

/** The key parts of one call: what the rule says the counter is keyed by. */
function keyParts(rule: RateLimitRule, caller: CallerIdentity, args: Record<string, unknown>): string[] {
  return rule.by.map((part) => {
    switch (part) {
      case 'IP':
        return `ip:${caller.ip}`;
      case 'USER':
        return caller.userId === null ? `ip:${caller.ip}` : `user:${caller.userId}`;
      case 'ARGUMENT':
        return `arg:${String(args[rule.argument!] ?? '').trim().toLowerCase()}`;
    }
  });
}

export function applyRateLimitDirective<C>(schema: GraphQLSchema, options: RateLimitDirectiveOptions<C>): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const rules = readRules(schema, field, `${typeName}.${fieldName}`);
      if (rules.length === 0) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve: async (source, args, context: C, info) => {
          const caller = options.identify(context);
          for (const rule of rules) {
            const result = await options.limiter.consume(rule, keyParts(rule, caller, args));
            if (!result.allowed) throw new RateLimitedError(rule.field, Math.max(1, Math.ceil(result.msBeforeNext / 1000)));
          }
          return resolve(source, args, context, info);
        },
      };
    },
  });
}
