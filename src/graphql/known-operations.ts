/**
 * The operations Apollo Server has already parsed, validated and resolved in
 * this process, by query text and requested operation name: what the HTTP
 * layer's lean path (src/server/lean-execution.ts) needs to execute the same
 * text again without Apollo's request pipeline. An entry is recorded by the
 * plugin below only after Apollo accepted the document (parse, validation,
 * operation resolution), so the lean path never serves a text Apollo would
 * refuse. The schema never changes while the process runs, so an entry
 * stays valid; the index is bounded by an estimate of the memory it holds.
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

/**
 * The memory an entry is counted for: its text (UTF-16) and, since it keeps
 * Apollo's parsed document alive after Apollo's own cache may have let go of
 * it, that document too, estimated at ten times the text.
 */
const entrySize = (text: string) => 12 * text.length + 256;

export class KnownOperations {
  private readonly texts: LRUCache<string, ByName>;

  /** `maxBytes`: the estimated memory of all entries (default 32 MiB); the least recently used go first. */
  constructor(options: { maxBytes?: number } = {}) {
    this.texts = new LRUCache<string, ByName>({
      max: 10_000,
      maxSize: options.maxBytes ?? 32 * 1024 * 1024,
      sizeCalculation: (_, text) => entrySize(text),
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

  /** Texts remembered, and their estimated memory in bytes. */
  get size(): { texts: number; bytes: number } {
    return { texts: this.texts.size, bytes: this.texts.calculatedSize };
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
