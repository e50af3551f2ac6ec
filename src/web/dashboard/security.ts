/** Cookies, CSRF tokens and Origin checks for the dashboard (sign-in throttling is in the store: usecases/operators.ts). */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const sessionCookie = 'satang_session';
/** Pre-session anti-forgery cookie for the sign-in and setup forms (double submit). */
export const formCookie = 'satang_form';
export const cookiePath = '/dashboard';

export function cookieOptions(publicUrl: string, maxAgeSeconds?: number) {
  return {
    path: cookiePath,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: publicUrl.startsWith('https:'),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}


/** The CSRF token a form or script sent: the `_csrf` field or the X-CSRF-Token header. */
export function submittedCsrf(request: FastifyRequest): string {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?._csrf === 'string' ? body._csrf : '';
}

/** A cross-site request announces itself with an Origin that is neither this host nor the public URL. */
export function originAllowed(request: FastifyRequest, publicUrl: string): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  const own = `${request.protocol}://${request.host}`;
  let publicOrigin = '';
  try {
    publicOrigin = new URL(publicUrl).origin;
  } catch {
    // No usable public URL: only this host counts.
  }
  return origin === own || origin === publicOrigin;
}

/** Content-Security-Policy with a per-response nonce for the page's own small script. */
export function securityHeaders(reply: FastifyReply, nonce: string): void {
  reply
    .header(
      'content-security-policy',
      `default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'`,
    )
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', 'no-store');
}
