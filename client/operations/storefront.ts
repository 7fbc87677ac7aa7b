/**
 * The storefront's operations (web/ uses them; so can any frontend). Each
 * `graphql()` call returns a document typed by codegen.yml's client preset:
 * its result and variables types come from the schema, and
 * client/generated/graphql.ts exports the same documents by name
 * (CategoriesDocument, ...). After editing, run `npm run codegen` (npm run dev
 * does it, and reruns it while watching).
 */
import { graphql } from '../generated/index.js';

export const CategoriesQuery = graphql(`
  query Categories {
    categories {
      id
      name
      slug
    }
  }
`);

export const CategoryProductsQuery = graphql(`
  query CategoryProducts($categoryId: ID!, $first: Int, $after: String) {
    products(categoryId: $categoryId, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          priceCents
          averageRating
          reviewCount
        }
      }
    }
  }
`);

export const ProductPageQuery = graphql(`
  query ProductPage($id: ID!, $reviews: Int) {
    product(id: $id) {
      id
      name
      description
      priceCents
      stock
      averageRating
      reviewCount
      category {
        id
        name
      }
      reviews(first: $reviews) {
        id
        rating
        body
        createdAt
        author {
          name
        }
      }
    }
  }
`);

export const SignInMutation = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      user {
        id
        name
      }
    }
  }
`);

export const AddReviewMutation = graphql(`
  mutation AddReview($input: AddReviewInput!) {
    addReview(input: $input) {
      id
      rating
      body
      createdAt
      author {
        name
      }
    }
  }
`);
