/**
 * The lean path's index of accepted query texts stays within its memory
 * bound (text and the parsed document it keeps alive, estimated) under a
 * key space far larger than it holds, least recently used out.
 */
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { KnownOperations } from '../../src/graphql/known-operations.js';

function entry(text: string) {
  const document = parse(text);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return { document, operation, operationName: null, type: 'query' as const, shareable: true };
}

describe('KnownOperations', () => {
  it('keeps what was accepted, by text and requested operation name', () => {
    const known = new KnownOperations();
    const text = 'query A { a } query B { b }';
    known.remember(text, 'A', entry('query A { a }'));
    expect(known.get(text, 'A')?.operation.name?.value).toBe('A');
    expect(known.get(text, 'B')).toBeUndefined();
    expect(known.get(`${text} `, 'A')).toBeUndefined();
  });

  it('stays within its bound under a key space a hundred times larger', () => {
    const maxBytes = 256 * 1024;
    const known = new KnownOperations({ maxBytes });
    const padding = 'x'.repeat(2000);
    const textOf = (i: number) => `query Q${i} { f(a: "${padding}") }`;
    for (let i = 0; i < 1000; i++) known.remember(textOf(i), null, entry('{ f }'));
    expect(known.size.bytes).toBeLessThanOrEqual(maxBytes);
    expect(known.size.texts).toBeGreaterThan(0);
    expect(known.size.texts).toBeLessThan(20);
    expect(known.get(textOf(999), null)).toBeDefined();
    expect(known.get(textOf(0), null)).toBeUndefined();
  });
});
