import type { PublicUser } from '../../db/cached-shapes.js';

/** What `login` resolves to before field resolvers run. */
export interface AuthPayloadSource {
  token: string;
  user: PublicUser;
}
