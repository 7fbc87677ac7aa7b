/**
 * The playground page: GraphiQL from our own asset routes, no CDN. The page
 * holds no inline script; its settings travel in a JSON data block that the
 * served bootstrap (bootstrap.ts) reads.
 */
import { DEFAULT_ASSET_BASE, playgroundAssetUrls } from './assets.js';

export interface PlaygroundHtmlOptions {
  /** Same-origin path the IDE posts operations to. Default "/graphql". */
  endpoint?: string;
  /** Path the asset handler serves under. Default "/graphql/assets". */
  assetBase?: string;
  /** The editor's text on a first visit (GraphiQL remembers edits afterwards). */
  defaultQuery?: string;
}

/** The first operation a visitor sees: the nested catalog read, plus how to sign in. */
export const DEFAULT_PLAYGROUND_QUERY = `# Catalog API playground.
# Press ▶ or Ctrl/Cmd+Enter to run the query.
#
# Tabs above: this catalog page, a product page,
# and signing in to add a review. Every response
# starts with extensions.stats: SQL statements and
# cache hits (the x-debug-stats header, below).
#
# The development seed has these accounts:
#   customer@example.com / customer-password
#   admin@example.com / admin-password
# Copy "token" from the result, then open the
# Headers tab below the editor and set
#   {"Authorization": "Bearer <token>"}
# Then { me { name } } runs as that user.

query Catalog {
  products(first: 5) {
    edges {
      node {
        name
        priceCents
        category {
          name
        }
        reviews(first: 3) {
          rating
          author {
            name
          }
        }
      }
    }
  }
}

# mutation Login {
#   login(email: "customer@example.com", password: "customer-password") {
#     token
#     user { name }
#   }
# }
`;

/** Sent with every playground request: the API then reports its cache statistics in `extensions.stats`. */
export const PLAYGROUND_HEADERS = JSON.stringify({ 'x-debug-stats': '1' }, null, 2);

/** Example operations, one tab each: the catalog page, a product page, and a review added after signing in. */
export const PLAYGROUND_TABS = [
  { query: DEFAULT_PLAYGROUND_QUERY, headers: PLAYGROUND_HEADERS },
  {
    query: `# A product page: the product, its rating and its newest reviews.
# Run it twice: the second response's extensions.stats shows cache hits.
query ProductPage($id: ID!) {
  product(id: $id) {
    name
    description
    priceCents
    stock
    averageRating
    reviewCount
    category { name }
    reviews(first: 5) { rating body createdAt author { name } }
  }
}
`,
    variables: JSON.stringify({ id: '1' }, null, 2),
    headers: PLAYGROUND_HEADERS,
  },
  {
    query: `# A mutation after signing in:
# 1. Run SignIn; copy "token" from the result.
# 2. In Headers below, add "Authorization": "Bearer <token>".
# 3. Run AddReview.
mutation SignIn {
  login(email: "customer@example.com", password: "customer-password") {
    token
    user { name }
  }
}

mutation AddReview {
  addReview(input: { productId: "1", rating: 5, body: "Sturdy and well made." }) {
    id
    rating
    product { reviewCount averageRating }
  }
}
`,
    headers: PLAYGROUND_HEADERS,
  },
];

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** JSON that is safe inside <script type="application/json">: no "</script>", no line separators. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The playground's HTML. Serve it with PLAYGROUND_SECURITY_HEADERS (see
 * sendPlaygroundPage). Throws a RangeError naming the value when `endpoint`
 * is not a same-origin path or `assetBase` is not a plain absolute path.
 */
export function playgroundHtml(options: PlaygroundHtmlOptions = {}): string {
  const endpoint = options.endpoint ?? '/graphql';
  // The CSP allows connections to our own origin only, so a path is the only endpoint that can work.
  if (!endpoint.startsWith('/') || endpoint.startsWith('//')) {
    throw new RangeError(
      `endpoint must be a same-origin path such as "/graphql", got ${JSON.stringify(endpoint)}`,
    );
  }
  const urls = playgroundAssetUrls(options.assetBase ?? DEFAULT_ASSET_BASE);
  const config = scriptSafeJson({
    endpoint,
    defaultQuery: options.defaultQuery ?? DEFAULT_PLAYGROUND_QUERY,
    tabs: options.defaultQuery ? undefined : PLAYGROUND_TABS,
    defaultHeaders: PLAYGROUND_HEADERS,
  });
  const script = (src: string) => `<script src="${escapeHtml(src)}"></script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Catalog API · GraphQL playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(urls.graphiqlCss)}">
<style>html, body, #graphiql { height: 100%; margin: 0; } body { font-family: system-ui, sans-serif; }</style>
</head>
<body>
<div id="graphiql">Loading the GraphQL playground…</div>
<noscript>The playground needs JavaScript. You can also POST GraphQL requests to ${escapeHtml(endpoint)}.</noscript>
<script id="playground-config" type="application/json">${config}</script>
${script(urls.react)}
${script(urls.reactDom)}
${script(urls.graphiqlJs)}
${script(urls.bootstrap)}
</body>
</html>
`;
}
