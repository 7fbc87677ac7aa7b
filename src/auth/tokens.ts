/**
 * Bearer tokens: HS256 JWTs signed with the configured secret (jose).
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

export type Role = 'CUSTOMER' | 'ADMIN';

export interface Viewer {
  id: number;
  role: Role;
}

export class TokenService {
  /** Imported once: given raw bytes, jose imports the key again on every sign and verify. */
  private readonly key: KeyObject;

  constructor(secret: string, private readonly ttlSeconds: number) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  async sign(viewer: Viewer): Promise<string> {
    return new SignJWT({ role: viewer.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(viewer.id))
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The viewer a token names, or null when it is malformed, forged or expired. */
  async verify(token: string): Promise<Viewer | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      const id = Number(payload.sub);
      const role = payload.role;
      if (!Number.isSafeInteger(id) || id <= 0 || (role !== 'CUSTOMER' && role !== 'ADMIN')) return null;
      return { id, role };
    } catch {
      return null;
    }
  }
}
