import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logging.js';
import { contactPorts } from '../../../src/paging/paging.js';
import { systemClock } from '../../../src/time/clock.js';

function captured() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) });
  return { log: createLogger('info', stream), lines };
}

describe('the ways beyond chat the settings configure', () => {
  it('makes one port per configured provider, and warns when links and callbacks would point at localhost', () => {
    const { log, lines } = captured();
    const config = loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', EMAIL_FROM: 'pager@example.com', NTFY_URL: 'https://ntfy.example.com', TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM_NUMBER: '+15005550006' });
    const ports = contactPorts(config, systemClock, log);
    expect(ports.map((p) => p.via)).toEqual(['email', 'push', 'sms', 'voice']);
    ports.forEach((p) => p.close?.());
    expect(lines.join('')).toContain('PUBLIC_URL is unset: acknowledge links in page emails, pushes and webhooks point at http://localhost:3000, which a phone cannot open, and Twilio cannot send receipts');
    const quiet = captured();
    expect(contactPorts(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', EMAIL_FROM: 'pager@example.com', PUBLIC_URL: 'https://bot.example.com' }), systemClock, quiet.log)).toHaveLength(1);
    expect(quiet.lines).toEqual([]);
    expect(contactPorts(loadConfig({}), systemClock, quiet.log)).toEqual([]);
  });
});
