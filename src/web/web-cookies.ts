/** The session cookie's name; with the __Host- prefix over https, so no subdomain can set or shadow it. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-incident_session' : 'incident_session';
}

/** One cookie's value from a Cookie header (the first of that name), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Set-Cookie for the session: HttpOnly (no script reads it), SameSite=Lax (sent when the identity
 * provider redirects back, never with another site's form posts), Secure when the console is
 * served over https. maxAgeSeconds 0 deletes it.
 */
export function sessionCookie(name: string, value: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${options.maxAgeSeconds}`, ...(options.secure ? ['Secure'] : [])].join('; ');
}
