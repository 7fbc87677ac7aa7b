/**
 * The lean path: an operation whose query text Apollo Server has already
 * accepted in this process (parsed, validated, resolved: KnownOperations) is
 * executed again without Apollo's request pipeline, which costs more than
 * executing a small operation (hashing the text, the request context,
 * content negotiation, a dozen plugin hooks, and the garbage they leave):
 * an executed product read fell from about 190 to 70 µs of CPU, a price
 * update from about 930 to 750 µs (loads on one core, `node --cpu-prof`).
 *
 * It stands in for each plugin of src/server/app.ts on the requests it
 * serves, through the same code:
 * - protection: the same check (and verdicts) before anything runs; a
 *   refusal is left to Apollo, which answers it;
 * - response reuse: reuse-plugin.ts's own `startKeeping` and `keepResponse`;
 * - observability: the operation's name for the log line, its count and
 *   duration (errors are Apollo's, below);
 * - stats: `extensions.stats` when asked for (not in production);
 * - known operations, rate-limit status: nothing to do on a success.
 *
 * Only a complete success is answered here. Variables that do not coerce
 * (nothing ran) go to Apollo as if the lean path did not exist. A result
 * with errors goes to Apollo too, with the result in `context.executed`, so
 * Apollo formats, masks, counts and logs the errors and chooses the status
 * without executing again (a mutation never runs twice). Only JSON POSTs
 * without `extensions` (no persisted queries) are taken, and only when the
 * client accepts a JSON response, with the content type Apollo would choose.
 */
import type { GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { OperationExecutor } from '../graphql/executor.js';
import type { KnownOperations } from '../graphql/known-operations.js';
import type { ProtectionCheck } from '../graphql/protection/index.js';
import type { ResponseReuse } from '../graphql/reuse/response-reuse.js';
import { keepResponse, startKeeping } from '../graphql/reuse/reuse-plugin.js';
import { countOperation, type Metrics } from '../observability/metrics.js';
import type { OperationLabels } from '../observability/operation-labels.js';
import { singleResultContentType } from './content-type.js';
import { withStats } from './stats-plugin.js';

export interface LeanExecutionOptions {
  schema: GraphQLSchema;
  known: KnownOperations;
  executor: OperationExecutor;
  protection: ProtectionCheck;
  reuse: ResponseReuse | undefined;
  metrics: Pick<Metrics, 'graphqlOperations' | 'graphqlDuration' | 'graphqlLeanPath'>;
  labels: OperationLabels;
  /** The process-wide SQL statement count (a mutation's `extensions.stats`). */
  sqlStatements: () => number;
}

export interface LeanRequest {
  /** The parsed JSON body of a POST. */
  body: unknown;
  accept: string | undefined;
  /** `extensions.stats` was asked for and may be given (not in production). */
  debugStats: boolean;
  /** process.hrtime.bigint() when the request arrived. */
  started: bigint;
}

export interface LeanResponse {
  contentType: string;
  body: string;
}

interface GraphQLPost {
  query: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | undefined;
}

export class LeanExecution {
  constructor(private readonly options: LeanExecutionOptions) {}

  /**
   * Answers `request` when it can; undefined when Apollo must (then
   * `context.executed` holds the result if the operation ran).
   */
  async run(request: LeanRequest, context: GraphQLContext): Promise<LeanResponse | undefined> {
    const post = graphQLPost(request.body);
    if (!post) return undefined;
    const contentType = singleResultContentType(request.accept);
    if (!contentType) return undefined;
    const known = this.options.known.get(post.query, post.operationName);
    if (!known) return undefined;
    const { schema, reuse, executor } = this.options;
    if (this.options.protection(schema, known.document, post.variables ?? {})) return undefined;

    // Reads are recorded only while response reuse is on (src/server/http.ts).
    const reuseKey =
      reuse &&
      context.scope.reads &&
      startKeeping(
        reuse,
        context,
        known.shareable
          ? {
              text: post.query,
              document: known.document,
              operationName: post.operationName,
              variables: post.variables,
            }
          : undefined,
      );
    context.onOperation?.(known.operationName);
    const writeStart =
      request.debugStats && known.type === 'mutation' ? this.options.sqlStatements() : undefined;

    const result = await executor.execute(
      known.document,
      known.operationName,
      post.variables,
      context,
    );
    // No data at all: the variables were refused before any field ran; Apollo answers that.
    if (result.data === undefined) return undefined;
    if (writeStart !== undefined)
      context.stats.sqlStatements = this.options.sqlStatements() - writeStart;
    const { metrics, labels } = this.options;
    if (result.errors?.length || result.data === null) {
      context.executed = result;
      metrics.graphqlLeanPath.inc({ outcome: 'errors' });
      return undefined;
    }

    const body = `${JSON.stringify({ data: result.data })}\n`;
    if (reuse && reuseKey) keepResponse(reuse, context, reuseKey, body, known.operationName);
    metrics.graphqlLeanPath.inc({ outcome: 'answered' });
    countOperation(
      metrics,
      { operation: labels.label(known.operationName), type: known.type },
      request.started,
    );
    return { contentType, body: request.debugStats ? withStats(body, context.stats) : body };
  }
}

/** The parts of a POST body Apollo would run as is; undefined for anything else (Apollo answers it). */
function graphQLPost(body: unknown): GraphQLPost | undefined {
  if (!isRecord(body)) return undefined;
  const { query, operationName, variables, extensions } = body;
  if (typeof query !== 'string') return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (variables != null && !isRecord(variables)) return undefined;
  if (extensions != null) return undefined;
  return { query, operationName, variables: variables ?? undefined };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
