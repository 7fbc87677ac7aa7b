import type { PublicUser } from '../../model/registry.js';

/** What `login` resolves to before field resolvers run. */
export interface AuthPayloadSource {
  token: string;
  user: PublicUser;
}
