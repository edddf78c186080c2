import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface WebhookToken {
  token: string;
  /** True when this start generated it (it is shown once, then only kept in DATA_DIR). */
  generated: boolean;
  file?: string;
}

/** WEBHOOK_TOKEN, or a random one generated on first start and kept in DATA_DIR: webhooks are never open. */
export function resolveWebhookToken(configured: string | undefined, dataDir: string): WebhookToken {
  if (configured) return { token: configured, generated: false };
  const dir = resolve(dataDir);
  const file = join(dir, 'webhook-token');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 16) return { token: stored, generated: false, file };
  }
  mkdirSync(dir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generated: true, file };
}

/** Shown once, on the terminal, when the token is first generated: the quick start's last step. */
export function firstRunBanner(token: string, port: number, publicUrl?: string): string {
  const base = publicUrl?.replace(/\/$/, '') ?? `http://localhost:${port}`;
  return [
    '',
    '  A webhook token was generated and saved in DATA_DIR/webhook-token (shown only this once):',
    '',
    `    ${token}`,
    '',
    '  Send a first test alert:',
    '',
    `    curl -sS -X POST ${base}/webhooks/generic \\`,
    `      -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\`,
    `      -d '{"title":"Test alert: checkout error rate above 5%","severity":"critical","service":"checkout"}'`,
    '',
  ].join('\n');
}
