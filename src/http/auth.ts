import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Bearer-token protection of the cleanup routes. */
export interface BearerAuthOptions {
  /** The token clients send as `Authorization: Bearer <token>`. */
  readonly token: string;
  /** The realm named in `WWW-Authenticate`. Default `reclaim`. */
  readonly realm?: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when `given` equals `expected`, in time that does not depend on where they differ or on
 * their lengths: both are hashed to equal-length digests before `timingSafeEqual`.
 */
export function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Extracts the credentials of an `Authorization: Bearer …` header, or null. */
export function bearerCredentials(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+([\x21-\x7e]+)\s*$/i.exec(header);
  return match === null ? null : (match[1] as string);
}

/** The outcome of checking a request. */
export type AuthCheck = { readonly ok: true } | { readonly ok: false; readonly challenge: string; readonly message: string };

/** Checks a request's bearer token; the caller answers 401 with `challenge` as `WWW-Authenticate`. */
export function checkBearer(request: FastifyRequest, options: BearerAuthOptions): AuthCheck {
  const realm = (options.realm ?? 'reclaim').replace(/["\\]/g, '');
  const given = bearerCredentials(request.headers.authorization);
  if (given === null) {
    return {
      ok: false,
      challenge: `Bearer realm="${realm}"`,
      message: 'This API needs a bearer token; send the header "Authorization: Bearer <token>".',
    };
  }
  if (!tokensMatch(given, options.token)) {
    return {
      ok: false,
      challenge: `Bearer realm="${realm}", error="invalid_token"`,
      message: 'The bearer token is not the configured one; check the token the server was started with.',
    };
  }
  return { ok: true };
}

/** Builds an `onRequest` hook that answers 401 unless the request carries the token. */
export function bearerAuthHook(options: BearerAuthOptions) {
  return async function requireBearerToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const check = checkBearer(request, options);
    if (check.ok) return;
    reply.header('www-authenticate', check.challenge);
    await reply.code(401).send({ status: 'error', code: 'RECLAIM_HTTP_UNAUTHORIZED', message: check.message });
  };
}
