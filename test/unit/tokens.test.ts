import { describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth/tokens.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';

describe('TokenService', () => {
  it('verifies its own tokens and refuses altered, foreign and malformed ones', async () => {
    const tokens = new TokenService(SECRET, 60);
    const token = await tokens.sign({ id: 7, role: 'ADMIN' });
    expect(await tokens.verify(token)).toEqual({ id: 7, role: 'ADMIN' });
    // Remembered now: a changed signature is another string and is verified in full.
    const [header, payload, signature] = token.split('.');
    const flipped = signature!.startsWith('A')
      ? `B${signature!.slice(1)}`
      : `A${signature!.slice(1)}`;
    expect(await tokens.verify(`${header}.${payload}.${flipped}`)).toBeNull();
    const forged = await new TokenService('another-secret-another-secret-0123456789', 60).sign({
      id: 7,
      role: 'ADMIN',
    });
    expect(await tokens.verify(forged)).toBeNull();
    expect(await tokens.verify('not.a.token')).toBeNull();
    expect(await tokens.verify(token)).toEqual({ id: 7, role: 'ADMIN' });
  });

  it('refuses a remembered token once it has expired', async () => {
    let now = Date.now();
    const tokens = new TokenService(SECRET, 60, () => now);
    const token = await tokens.sign({ id: 3, role: 'CUSTOMER' });
    expect(await tokens.verify(token)).toEqual({ id: 3, role: 'CUSTOMER' });
    now += 61_000;
    expect(await tokens.verify(token)).toBeNull();
    // Forgotten after expiry, and a full verify refuses it too.
    expect(await tokens.verify(token)).toBeNull();
  });
});
