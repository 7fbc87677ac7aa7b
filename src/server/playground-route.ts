/**
 * Serves the offline playground (GraphiQL from installed packages) for
 * browsers that GET the GraphQL endpoint, and its static assets.
 */
export { createPlaygroundRoute as playgroundRoute } from './playground/index.js';
