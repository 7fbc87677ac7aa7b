/**
 * The ceiling for `npm run bench`: Apollo Server 5 on node:http with this
 * project's own SDL, resolving synchronously from Maps loaded from the
 * database once at start. No cache lookups and no I/O per request: the most
 * this framework can serve for the bench's queries on this machine, and the
 * yardstick every figure of `npm run bench` is divided by.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import { decodeCursor, encodeCursor } from '../../src/loaders/pages.js';

interface Row {
  id: number;
  [field: string]: unknown;
}

export interface Ceiling {
  url: string;
  close(): Promise<void>;
}

export async function startCeiling(prisma: PrismaClient): Promise<Ceiling> {
  const products = await prisma.product.findMany({ orderBy: { id: 'asc' } });
  const byId = <T extends Row>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const productById = byId(products);
  const categories = byId(await prisma.category.findMany());
  const users = byId(
    await prisma.user.findMany({ select: { id: true, name: true, createdAt: true } }),
  );
  const reviewsByProduct = new Map<number, Row[]>();
  for (const review of await prisma.review.findMany({
    orderBy: [{ productId: 'asc' }, { createdAt: 'desc' }, { id: 'desc' }],
  })) {
    const list = reviewsByProduct.get(review.productId);
    if (list) list.push(review);
    else reviewsByProduct.set(review.productId, [review]);
  }
  const stats = new Map<number, { count: number; average: number | null }>();
  for (const [id, list] of reviewsByProduct) {
    stats.set(id, {
      count: list.length,
      average: list.reduce((s, r) => s + (r.rating as number), 0) / list.length,
    });
  }

  const page = (list: typeof products, first: number, after: string | null | undefined) => {
    const afterId = after ? decodeCursor(after) : 0;
    const start = list.findIndex((p) => p.id > afterId);
    const ids = start < 0 ? [] : list.slice(start, start + first + 1).map((p) => p.id);
    return { all: list, ids: ids.slice(0, first), hasNextPage: ids.length > first };
  };
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: {
      Query: {
        product: (_: unknown, { id }: { id: string }) => productById.get(Number(id)) ?? null,
        products: (_: unknown, { first, after }: { first?: number; after?: string }) =>
          page(products, first ?? 20, after),
        category: (_: unknown, { id }: { id: string }) => categories.get(Number(id)) ?? null,
      },
      Product: {
        category: (p: Row) => categories.get(p.categoryId as number),
        reviews: (p: Row, { first }: { first?: number }) =>
          (reviewsByProduct.get(p.id) ?? []).slice(0, first ?? 20),
        reviewCount: (p: Row) => stats.get(p.id)?.count ?? 0,
        averageRating: (p: Row) => stats.get(p.id)?.average ?? null,
      },
      Review: { author: (r: Row) => users.get(r.authorId as number) },
      ProductConnection: {
        edges: (c: { ids: number[] }) => c.ids.map((id) => ({ id, cursor: encodeCursor(id) })),
        pageInfo: (c: { ids: number[]; hasNextPage: boolean }) => ({
          hasNextPage: c.hasNextPage,
          endCursor: c.ids.length ? encodeCursor(c.ids.at(-1)!) : null,
        }),
        totalCount: (c: { all: unknown[] }) => c.all.length,
      },
      ProductEdge: { node: (e: { id: number }) => productById.get(e.id) },
    },
  });
  const apollo = new ApolloServer({
    schema,
    introspection: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(key, value);
      void apollo
        .executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: req.method ?? 'POST',
            headers,
            search: '',
            body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
          },
          context: async () => ({}),
        })
        .then((result) => {
          res.statusCode = result.status ?? 200;
          for (const [key, value] of result.headers) res.setHeader(key, value);
          res.end(result.body.kind === 'complete' ? result.body.string : '');
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}
