/**
 * The two sign-ins every seeded database has. They exist for local
 * development and demos only: a production database must never be seeded.
 */

export interface DemoLogin {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly role: 'ADMIN' | 'CUSTOMER';
}

export const DEMO_ADMIN: DemoLogin = {
  email: 'admin@example.com',
  password: 'admin-password',
  name: 'Ada Admin',
  role: 'ADMIN',
};

export const DEMO_CUSTOMER: DemoLogin = {
  email: 'customer@example.com',
  password: 'customer-password',
  name: 'Casey Customer',
  role: 'CUSTOMER',
};

/** Admin first: the seed gives them ids 1 and 2 in this order. */
export const DEMO_LOGINS: readonly DemoLogin[] = [DEMO_ADMIN, DEMO_CUSTOMER];

/** The demo logins as printable lines, labelled so nobody mistakes them for real accounts. */
export function formatDemoLogins(): string {
  const lines = DEMO_LOGINS.map((l) => `  ${l.role.padEnd(8)} ${l.email} / ${l.password}`);
  return ['Demo logins (development only, never use these in production):', ...lines].join('\n');
}
