/**
 * How operations are executed: graphql-jit compiles each operation of a
 * parsed document once into a function, which then runs without
 * graphql-js's per-field interpretation (argument coercion, path and info
 * objects, completion by type at every field). Apollo Server still parses,
 * validates and runs every plugin; only the execute step changes. It plugs
 * in through Apollo's gateway seam (`ApolloServerOptionsWithGateway`), which
 * hands a custom executor the validated document and the request context.
 *
 * - A document is compiled the `compileAfter`-th time it is executed (1: at
 *   once); until then, and when `compileAfter` is 0, graphql-js executes it.
 *   Compilations hang off Apollo's parsed-document cache (a WeakMap keyed
 *   by the DocumentNode), so they are bounded by it and dropped with it.
 * - A document graphql-jit refuses to compile is executed by graphql-js.
 * - Subscriptions and @defer/@stream are not served by this API, so the
 *   executor returns single results only.
 */
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  printSchema,
} from 'graphql';
import { compileQuery, type CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { andThen } from '../loaders/index.js';

type Gateway = ApolloServerOptionsWithGateway<never>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

export interface ExecutorOptions {
  /** Executions of a document after which it is compiled; 0 never compiles. */
  compileAfter: number;
  /** Called once per compilation attempt (for metrics and tests). */
  onCompile?: (outcome: 'compiled' | 'refused') => void;
  /**
   * The result of an execution that already ran for this request's context
   * (the HTTP layer's lean path hands Apollo a result to answer): returned
   * as is instead of executing again.
   */
  executedBefore?: (context: unknown) => ExecutionResult | undefined;
}

/** Per document: per operation name, a compiled query, or a count of executions so far. */
type Compilations = Map<string, CompiledQuery | number | 'refused'>;

export class OperationExecutor {
  private readonly compiled = new WeakMap<DocumentNode, Compilations>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly options: ExecutorOptions,
  ) {}

  /** Executes one operation of a validated document. */
  execute(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
    context: unknown,
  ): Promise<ExecutionResult> | ExecutionResult {
    const compiled = this.compiledFor(document, operationName ?? '');
    if (!compiled) return this.interpret(document, operationName, variables, context);
    const result = compiled.query(undefined, context, variables);
    const settle = (r: ExecutionResult) =>
      // No data at all: the variables were refused before any field ran.
      // graphql-js reports that with the variable's AST node, which Apollo
      // needs to answer BAD_USER_INPUT (graphql-jit's errors carry none).
      r.data === undefined && r.errors?.length
        ? this.interpret(document, operationName, variables, context)
        : withGraphQLErrors(r);
    return andThen(result, settle);
  }

  /** Executes with graphql-js. */
  private interpret(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
    context: unknown,
  ): Promise<ExecutionResult> | ExecutionResult {
    return execute({
      schema: this.schema,
      document,
      operationName,
      variableValues: variables,
      contextValue: context,
    });
  }

  /** The compiled operation, compiling it when it is due; undefined while graphql-js executes it. */
  private compiledFor(document: DocumentNode, operationName: string): CompiledQuery | undefined {
    const after = this.options.compileAfter;
    if (after === 0) return undefined;
    let byName = this.compiled.get(document);
    if (!byName) this.compiled.set(document, (byName = new Map()));
    const state = byName.get(operationName) ?? 0;
    if (typeof state === 'object') return state;
    if (state === 'refused') return undefined;
    if (state + 1 < after) {
      byName.set(operationName, state + 1);
      return undefined;
    }
    let result: ReturnType<typeof compileQuery<Record<string, unknown>>> | undefined;
    try {
      result = compileQuery<Record<string, unknown>>(
        this.schema,
        document,
        operationName || undefined,
        {
          // Errors are answered without stacks (format-error.ts); capturing them only costs.
          disablingCapturingStackErrors: true,
        },
      );
    } catch {
      result = undefined;
    }
    if (result && isCompiledQuery(result)) {
      byName.set(operationName, result);
      this.options.onCompile?.('compiled');
      return result;
    }
    byName.set(operationName, 'refused');
    this.options.onCompile?.('refused');
    return undefined;
  }

  /**
   * The executor as Apollo Server's gateway seam: pass it as `gateway`
   * (instead of `schema`) to `new ApolloServer`.
   */
  asGateway(): Gateway {
    const schema = this.schema;
    let announce: Parameters<Gateway['onSchemaLoadOrUpdate']>[0] | undefined;
    const executedBefore = this.options.executedBefore;
    const executor: Executor = async ({ document, operationName, request, context }) =>
      (executedBefore?.(context) ??
        (await this.execute(document, operationName, request.variables, context))) as Awaited<
        ReturnType<Executor>
      >;
    return {
      onSchemaLoadOrUpdate(callback) {
        announce = callback;
        return () => void (announce = undefined);
      },
      async load() {
        announce?.({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
        return { executor };
      },
      async stop() {},
    };
  }
}

/**
 * graphql-jit's errors leave `extensions` undefined when the thrown error
 * has none, where graphql-js always sets `{}` (and Apollo Server reads
 * `extensions.code` unguarded, so it would answer a bare "Internal server
 * error" and skip formatError). Such errors are rebuilt as graphql-js ones,
 * keeping message, locations, path and the original error.
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => !e.extensions)) return result;
  return { ...result, errors: result.errors.map((e) => (e.extensions ? e : new FieldError(e))) };
}

class FieldError extends GraphQLError {
  constructor(from: GraphQLError) {
    super(from.message, { path: from.path, originalError: from.originalError ?? from });
    Object.assign(this, { locations: from.locations });
  }
}
