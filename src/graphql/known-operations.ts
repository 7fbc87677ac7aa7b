/**
 * The operations Apollo Server has already parsed, validated and resolved in
 * this process, by query text and requested operation name: what the HTTP
 * layer's lean path (src/server/lean-execution.ts) needs to execute the same
 * text again without Apollo's request pipeline. An entry is recorded by the
 * plugin below only after Apollo accepted the document (parse, validation,
 * operation resolution), so the lean path never serves a text Apollo would
 * refuse. The schema never changes while the process runs, so an entry
 * stays valid; the index is bounded by the bytes of text it holds.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { GraphQLContext } from './context.js';
import { isShareable } from './reuse/shareable.js';

export interface KnownOperation {
  /** Apollo's parsed and validated document (the object its document cache holds). */
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The operation's own name (null when anonymous), as Apollo resolves it. */
  operationName: string | null;
  type: 'query' | 'mutation';
  /** Whether its response may be reused (a query selecting no `@private` field). */
  shareable: boolean;
}

/** By requested operation name ('' when none was given). */
type ByName = Map<string, KnownOperation>;

export class KnownOperations {
  private readonly texts: LRUCache<string, ByName>;

  constructor(options: { maxTextBytes?: number } = {}) {
    this.texts = new LRUCache<string, ByName>({
      max: 10_000,
      maxSize: options.maxTextBytes ?? 8 * 1024 * 1024,
      sizeCalculation: (_, text) => 2 * text.length + 128,
    });
  }

  /** The operation `text` resolved to for `operationName`, if Apollo has accepted it before. */
  get(text: string, operationName: string | null | undefined): KnownOperation | undefined {
    return this.texts.get(text)?.get(operationName ?? '');
  }

  /** Remembers what Apollo resolved `text` and `operationName` to. */
  remember(text: string, operationName: string | null | undefined, known: KnownOperation): void {
    let byName = this.texts.get(text);
    if (!byName) this.texts.set(text, (byName = new Map()));
    byName.set(operationName ?? '', known);
  }

  get size(): number {
    return this.texts.size;
  }
}

/** Records every query and mutation Apollo resolves from a query text. */
export function knownOperationsPlugin(
  known: KnownOperations,
  schema: GraphQLSchema,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, operationName }) {
          if (typeof request.query !== 'string' || !operation) return;
          if (operation.operation !== 'query' && operation.operation !== 'mutation') return;
          if (known.get(request.query, request.operationName)?.document === document) return;
          known.remember(request.query, request.operationName, {
            document,
            operation,
            operationName,
            type: operation.operation,
            shareable: isShareable(schema, document, operation),
          });
        },
      };
    },
  };
}
