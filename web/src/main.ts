/**
 * A small storefront on the catalog API: categories and their products, a
 * product page with its reviews, signing in and adding a review. Plain DOM
 * (no framework); every request goes through the typed documents in
 * client/operations.
 */
import {
  AddReviewMutation,
  CategoriesQuery,
  CategoryProductsQuery,
  ProductPageQuery,
  SignInMutation,
} from '../../client/operations/storefront.js';
import { execute, setToken } from './api.js';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const content = $('#content');

/** An element with properties (id, href, value, ...) and children. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | boolean> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node: HTMLElementTagNameMap[K] = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const price = (cents: number) => `$${(cents / 100).toFixed(2)}`;
const stars = (rating: number | null | undefined) =>
  rating == null ? 'no reviews yet' : `${rating.toFixed(1)} ★`;

function showError(error: unknown): void {
  const box = $('#error');
  box.textContent = (error as Error).message;
  box.hidden = false;
}

async function renderCategories(): Promise<void> {
  const { categories } = await execute(CategoriesQuery);
  $('#categories').replaceChildren(
    el(
      'ul',
      {},
      ...categories.map((c) =>
        el('li', {}, el('a', { href: `#/category/${c.id}`, className: 'category' }, c.name)),
      ),
    ),
  );
}

async function renderCategory(categoryId: string): Promise<void> {
  const { products } = await execute(CategoryProductsQuery, { categoryId, first: 20 });
  content.replaceChildren(
    el('h2', {}, `${products.totalCount} products`),
    el(
      'ul',
      { className: 'products' },
      ...products.edges.map(({ node }) =>
        el(
          'li',
          { className: 'product' },
          el('a', { href: `#/product/${node.id}` }, node.name),
          ` ${price(node.priceCents)} · ${stars(node.averageRating)}`,
        ),
      ),
    ),
  );
}

async function renderProduct(id: string): Promise<void> {
  const { product } = await execute(ProductPageQuery, { id, reviews: 10 });
  if (!product) {
    content.replaceChildren(el('p', {}, `No product ${id}.`));
    return;
  }
  const form: HTMLFormElement = el(
    'form',
    { id: 'add-review' },
    el(
      'label',
      {},
      'Rating ',
      el('input', {
        name: 'rating',
        type: 'number',
        min: '1',
        max: '5',
        value: '5',
        required: true,
      }),
    ),
    el('textarea', { name: 'body', placeholder: 'Your review', required: true }),
    el('button', { type: 'submit' }, 'Add review'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    execute(AddReviewMutation, {
      input: {
        productId: product.id,
        rating: Number(data.get('rating')),
        body: String(data.get('body')),
      },
    })
      .then(() => renderProduct(id))
      .catch(showError);
  });
  content.replaceChildren(
    el('h2', { id: 'product-name' }, product.name),
    el(
      'p',
      {},
      `${product.category.name} · ${price(product.priceCents)} · ${product.stock} in stock · ${stars(product.averageRating)} (${product.reviewCount})`,
    ),
    el('p', {}, product.description),
    el('h3', {}, 'Reviews'),
    el(
      'ul',
      { className: 'reviews' },
      ...product.reviews.map((r) =>
        el('li', { className: 'review' }, `${'★'.repeat(r.rating)} ${r.body} — ${r.author.name}`),
      ),
    ),
    form,
  );
}

function route(): void {
  $('#error').hidden = true;
  const [, kind, id] = location.hash.split('/');
  const page =
    kind === 'category' && id
      ? renderCategory(id)
      : kind === 'product' && id
        ? renderProduct(id)
        : Promise.resolve(content.replaceChildren(el('p', {}, 'Pick a category.')));
  page.catch(showError);
}

$<HTMLFormElement>('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(event.target as HTMLFormElement);
  execute(SignInMutation, {
    email: String(data.get('email')),
    password: String(data.get('password')),
  })
    .then(({ login }) => {
      setToken(login.token);
      $('#sign-in').hidden = true;
      const who = $('#signed-in');
      who.textContent = `Signed in as ${login.user.name}`;
      who.hidden = false;
    })
    .catch(showError);
});

window.addEventListener('hashchange', route);
renderCategories().then(route, showError);
