/**
 * Writes each field's rate limits and cost, and each type's cache policy, into
 * the schema's descriptions, so the playground's docs (which come from
 * introspection, where directives are invisible) show them. The SDL stays the
 * one source: the text is derived from the directives when the schema is built.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLObjectType, type GraphQLSchema } from 'graphql';

type Args = Record<string, unknown>;

function rateLimitText(d: Args): string {
  const by = (d.by as string[] | undefined)?.join('+') ?? 'IP';
  const algorithm = String(d.algorithm ?? 'SLIDING_WINDOW')
    .toLowerCase()
    .replaceAll('_', ' ');
  const burst = d.burst ? `, burst ${String(d.burst)}` : '';
  const fallback = d.fallback === 'CLOSED' ? '; refused while Redis is down' : '';
  return `Rate limit: ${String(d.limit)} per ${String(d.window)} s per ${by}${d.argument ? ` (${String(d.argument)})` : ''} (${algorithm}${burst})${fallback}.`;
}

function costText(d: Args): string {
  const multipliers = (d.multipliers as string[] | undefined) ?? [];
  return `Cost: ${String(d.weight ?? 1)}${multipliers.length ? `, times ${multipliers.map((m) => `\`${m}\``).join(' × ')} for everything below` : ''}.`;
}

function cacheText(d: Args): string {
  const parts = [
    `Redis ${String(d.ttl)} s`,
    `in-process ${d.strict ? 'never (strict)' : `${String(d.l1Ttl ?? 30)} s`}`,
  ];
  if (d.grace) parts.push(`stale served for ${String(d.grace)} s while refreshing`);
  return `Cache: ${parts.join(', ')}.`;
}

function append(description: string | null | undefined, lines: string[]): string | undefined {
  if (!lines.length) return description ?? undefined;
  return [description, lines.join('\n')].filter(Boolean).join('\n\n');
}

export function documentDirectives(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_TYPE]: (type) => {
      const cacheable = getDirective(schema, type, 'cacheable')?.[0];
      if (!cacheable) return type;
      const config = type.toConfig();
      return new GraphQLObjectType({
        ...config,
        description: append(config.description, [cacheText(cacheable)]),
      });
    },
    [MapperKind.OBJECT_FIELD]: (field) => {
      const lines = [
        ...(getDirective(schema, field, 'rateLimit') ?? []).map(rateLimitText),
        ...(getDirective(schema, field, 'cost') ?? []).map(costText),
        ...(getDirective(schema, field, 'private')
          ? ['Private: loaded per request after authorization, never cached.']
          : []),
      ];
      return lines.length ? { ...field, description: append(field.description, lines) } : field;
    },
  });
}
