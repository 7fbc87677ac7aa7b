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
  var baseFetcher = GraphiQL.createFetcher({ url: config.endpoint });
  // Cache statistics first: extensions.stats would otherwise sit below a long
  // result, out of sight.
  function statsFirst(result) {
    if (!result || !result.extensions) return result;
    return Object.assign({ extensions: result.extensions }, result);
  }
  // The fetcher may answer with a promise or (multipart) an async iterable.
  function mapAsyncIterable(iterable, fn) {
    var it = iterable[Symbol.asyncIterator]();
    var out = {
      next: function () {
        return it.next().then(function (step) { return step.done ? step : { done: false, value: fn(step.value) }; });
      },
      return: function (value) {
        return it.return ? it.return(value) : Promise.resolve({ done: true, value: value });
      }
    };
    out[Symbol.asyncIterator] = function () { return out; };
    return out;
  }
  var fetcher = function (params, options) {
    return Promise.resolve(baseFetcher(params, options)).then(function (result) {
      return result && result[Symbol.asyncIterator] ? mapAsyncIterable(result, statsFirst) : statsFirst(result);
    });
  };
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      // Example operations, one tab each, and the header that makes every
      // response carry its cache statistics (extensions.stats).
      defaultTabs: config.tabs,
      defaultHeaders: config.defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
      // Tokens pasted into the Headers tab stay out of localStorage.
      shouldPersistHeaders: false
    })
  );
})();
`;
