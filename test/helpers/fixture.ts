/**
 * A small deterministic catalog for tests, written straight through Prisma
 * (not through the API): `categories` categories, `products` products with
 * `reviewsPerProduct` reviews each, `users` users, plus one admin and one
 * customer whose passwords are known.
 */
import bcrypt from 'bcryptjs';
import { openDatabase } from '../../src/db/database.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-1' };
export const CUSTOMER = { email: 'customer@test.local', password: 'customer-password-1' };

export async function loadFixture(
  prisma: PrismaClient,
  size = { categories: 5, products: 60, reviewsPerProduct: 6, users: 10 },
) {
  const hash = await bcrypt.hash('irrelevant', 4);
  const now = new Date('2026-01-01T00:00:00Z');
  await prisma.user.createMany({
    data: [
      {
        email: ADMIN.email,
        name: 'Admin',
        role: 'ADMIN',
        passwordHash: await bcrypt.hash(ADMIN.password, 4),
        updatedAt: now,
      },
      {
        email: CUSTOMER.email,
        name: 'Customer',
        passwordHash: await bcrypt.hash(CUSTOMER.password, 4),
        updatedAt: now,
      },
      ...Array.from({ length: size.users }, (_, i) => ({
        email: `user${i}@test.local`,
        name: `User ${i}`,
        passwordHash: hash,
        updatedAt: now,
      })),
    ],
  });
  await prisma.category.createMany({
    data: Array.from({ length: size.categories }, (_, i) => ({
      slug: `cat-${i + 1}`,
      name: `Category ${i + 1}`,
      updatedAt: now,
    })),
  });
  await prisma.product.createMany({
    data: Array.from({ length: size.products }, (_, i) => ({
      sku: `SKU-${i + 1}`,
      name: `Product ${i + 1}`,
      description: `Description ${i + 1}`,
      priceCents: 100 * (i + 1),
      stock: 10,
      categoryId: (i % size.categories) + 1,
      updatedAt: now,
    })),
  });
  await prisma.review.createMany({
    data: Array.from({ length: size.products * size.reviewsPerProduct }, (_, i) => ({
      rating: (i % 5) + 1,
      body: `Review ${i + 1}`,
      authorId: (i % (size.users + 2)) + 1,
      productId: (i % size.products) + 1,
      createdAt: new Date(now.getTime() + i * 1000),
      updatedAt: now,
    })),
  });
}

/** A fresh test database holding the fixture, written before any API starts. */
export async function createFixtureDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  const handle = await openDatabase({
    url: db.url,
    pgliteDir: '',
    poolSize: 2,
    onStatement: () => undefined,
  });
  try {
    await loadFixture(handle.prisma);
  } finally {
    await handle.close();
  }
  return db;
}
