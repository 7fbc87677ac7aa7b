/**
 * The browser script that mounts GraphiQL. It is served as a file (see
 * assets.ts) rather than inlined, so the page's CSP needs no 'unsafe-inline'
 * for scripts; the per-page settings come from a JSON data block, which the
 * browser never executes.
 */

/** ES5 on purpose: it runs as-is in the browser, without a build step. */
export const PLAYGROUND_BOOTSTRAP_JS = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultEditorToolsVisibility: true,
      // Tokens pasted into the Headers tab stay out of localStorage.
      shouldPersistHeaders: false
    })
  );
})();
`;
