/**
 * `@rateLimit`: every (repeatable) use is read and validated once, when the
 * schema is built; each limited field's resolver is wrapped so that every
 * execution (each alias, each list item, each operation of a batch) is
 * checked before the field resolves. A field's rules are checked in order and
 * the first refusal stops the call; rules checked before it have counted it.
 * Refusals throw RateLimitedError with the whole seconds until a retry.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  getNamedType,
  type GraphQLFieldConfig,
  type GraphQLSchema,
  isListType,
  isNonNullType,
} from 'graphql';
import { RateLimitedError, UnreachableCaseError } from '../../errors/app-error.js';
import type { RequestStats } from '../../observability/request-stats.js';
import type {
  RateLimitAlgorithm,
  RateLimitConsumer,
  RateLimitFallback,
  RateLimitKeyPart,
  RateLimitResult,
  RateLimitRule,
} from '../../ratelimit/rule.js';

/** Who is calling, as far as rate limits care. */
export interface CallerIdentity {
  ip: string;
  /** null for anonymous callers, who are then keyed by IP wherever a rule says USER. */
  userId: number | null;
}

/**
 * A request's record of its rate-limit checks, so that a response served
 * again without executing is charged exactly as its execution was.
 */
export interface RateLimitLedger {
  /** Called for every check an execution makes, before it is decided. */
  record(rule: RateLimitRule, args: Record<string, unknown>): void;
  /** A decision already made for this check (charged in advance), taken once; undefined to check now. */
  take(rule: RateLimitRule, keyParts: readonly string[]): RateLimitResult | undefined;
}

export interface RateLimitDirectiveOptions<C> {
  limiter: RateLimitConsumer;
  /** Reads the caller from the request context (whose type belongs to the server). */
  identify: (context: C) => CallerIdentity;
  /** The request's counters, for its Redis round trips. */
  stats?: (context: C) => RequestStats | undefined;
  /** The request's ledger of checks, when it keeps one. */
  ledger?: (context: C) => RateLimitLedger | undefined;
}

const MAX_WINDOW_SECONDS = 86_400;

/**
 * Returns `schema` with every `@rateLimit` field wrapped. Throws, naming the
 * field and the argument, when a directive's arguments make no sense.
 */
export function applyRateLimitDirective<C>(
  schema: GraphQLSchema,
  options: RateLimitDirectiveOptions<C>,
): GraphQLSchema {
  const { limiter, identify, stats, ledger } = options;
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const rules = readRateLimitRules(schema, field, `${typeName}.${fieldName}`);
      if (rules.length === 0) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve: async (source, args: Record<string, unknown>, context: C, info) => {
          const caller = identify(context);
          const book = ledger?.(context);
          for (const rule of rules) {
            const parts = keyParts(rule, caller, args);
            book?.record(rule, args);
            const result =
              book?.take(rule, parts) ?? (await limiter.consume(rule, parts, 1, stats?.(context)));
            if (!result.allowed)
              throw new RateLimitedError(
                rule.field,
                Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
              );
          }
          return resolve(source, args, context, info);
        },
      };
    },
  });
}

/** The field's `@rateLimit` rules in declaration order, validated. */
export function readRateLimitRules(
  schema: GraphQLSchema,
  field: GraphQLFieldConfig<unknown, unknown>,
  coordinate: string,
): RateLimitRule[] {
  let declared: Record<string, unknown>[];
  try {
    declared = getDirective(schema, field, 'rateLimit') ?? [];
  } catch (error) {
    throw new Error(`@rateLimit on ${coordinate}: ${(error as Error).message}`, { cause: error });
  }
  return declared.map((args, index) => toRule(args, index, field, coordinate));
}

function toRule(
  args: Record<string, unknown>,
  index: number,
  field: GraphQLFieldConfig<unknown, unknown>,
  coordinate: string,
): RateLimitRule {
  const fail = (argument: string, problem: string): never => {
    throw new Error(`@rateLimit on ${coordinate}: argument "${argument}" ${problem}`);
  };
  const limit = args.limit as number;
  const window = args.window as number;
  const by = args.by as RateLimitKeyPart[];
  const argument = (args.argument as string | null | undefined) ?? null;
  const algorithm = args.algorithm as RateLimitAlgorithm;
  const burst = args.burst as number | null | undefined;

  if (!Number.isInteger(limit) || limit < 1)
    fail('limit', `must be a positive integer, got ${limit}`);
  if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW_SECONDS)
    fail('window', `must be 1..${MAX_WINDOW_SECONDS} seconds, got ${window}`);
  if (by.length === 0) fail('by', 'must name at least one key part');
  if (new Set(by).size !== by.length) fail('by', `names a key part twice: [${by.join(', ')}]`);
  if (by.includes('ARGUMENT')) {
    if (!argument) fail('argument', 'is required when by includes ARGUMENT');
    const target = field.args?.[argument!];
    if (!target)
      fail(
        'argument',
        `must name one of the field's arguments (${Object.keys(field.args ?? {}).join(', ') || 'none'}), got "${argument}"`,
      );
    const type = isNonNullType(target!.type) ? target!.type.ofType : target!.type;
    const named = getNamedType(type).name;
    if (isListType(type) || (named !== 'String' && named !== 'ID'))
      fail(
        'argument',
        `must name a String or ID argument, but "${argument}" is ${String(target!.type)}`,
      );
  } else if (argument) {
    fail('argument', `is set to "${argument}" but by does not include ARGUMENT`);
  }
  if (burst != null && algorithm !== 'TOKEN_BUCKET')
    fail('burst', `only applies to TOKEN_BUCKET, not ${algorithm}`);
  if (burst != null && (!Number.isInteger(burst) || burst < 1))
    fail('burst', `must be a positive integer, got ${burst}`);

  return {
    field: coordinate,
    index,
    limit,
    windowMs: window * 1000,
    algorithm,
    burst: burst ?? limit,
    by,
    argument,
    fallback: args.fallback as RateLimitFallback,
  };
}

/** The key parts of one call, each tagged with its kind so a user id never equals an IP. */
export function keyParts(
  rule: RateLimitRule,
  caller: CallerIdentity,
  args: Record<string, unknown>,
): string[] {
  return rule.by.map((part) => {
    switch (part) {
      case 'IP':
        return `ip:${caller.ip}`;
      case 'USER':
        return caller.userId === null ? `ip:${caller.ip}` : `user:${caller.userId}`;
      case 'ARGUMENT':
        // Trimmed and lower-cased so "Bob@x.io " and "bob@x.io" share a counter.
        return `arg:${String(args[rule.argument!] ?? '')
          .trim()
          .toLowerCase()}`;
      default:
        throw new UnreachableCaseError(part);
    }
  });
}
