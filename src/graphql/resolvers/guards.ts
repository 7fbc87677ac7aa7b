/**
 * Authorization checks and the mapping of database errors to client errors.
 */
import type { Viewer } from '../../auth/tokens.js';
import {
  BadInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
} from '../../errors/app-error.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { GraphQLContext } from '../context.js';

export function requireViewer(ctx: GraphQLContext): Viewer {
  if (!ctx.viewer) throw new UnauthenticatedError();
  return ctx.viewer;
}

export function requireAdmin(ctx: GraphQLContext): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN') throw new ForbiddenError('Only administrators may do this');
  return viewer;
}

/** Whether the viewer may see `userId`'s private fields. */
export function canSeePrivate(ctx: GraphQLContext, userId: number): boolean {
  return ctx.viewer !== null && (ctx.viewer.id === userId || ctx.viewer.role === 'ADMIN');
}

/**
 * Runs a write, turning the database's known refusals into client errors:
 * a unique clash is CONFLICT, a missing referenced row BAD_USER_INPUT, a
 * missing target row NOT_FOUND. Anything else is rethrown (and masked).
 */
export async function write<T>(what: string, id: string | null, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError) {
      if (error.code === 'P2002')
        throw new ConflictError(`A ${what} with that ${uniqueField(error)} already exists`);
      if (error.code === 'P2003') throw new BadInputError(`The referenced record does not exist`);
      if (error.code === 'P2025') throw new NotFoundError(what, id ?? '');
    }
    throw error;
  }
}

function uniqueField(error: Prisma.PrismaClientKnownRequestError): string {
  const target = (error.meta as { target?: unknown } | undefined)?.target;
  return Array.isArray(target) ? target.join(', ') : 'value';
}
