import nodemailer from 'nodemailer';
import type { ContactMessage, ContactPort } from '../contact-port.js';
import { ContactSendError } from '../contact-port.js';
import { escapeMarkup } from '../escape-markup.js';

/** Errors from the connection itself: the server may well be back in a minute. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL']);

/**
 * Email over SMTP (nodemailer). An SMTP reply code says whether to try again: 4xx is "not now"
 * (greylisting, a full queue), 5xx is "never, as it is" (no such mailbox, refused), so a 5xx
 * moves the page on to the person's next method at once instead of retrying for an hour.
 */
export function smtpEmailPort(options: { smtpUrl: string; from: string; timeoutMs?: number }): ContactPort & { close(): void } {
  const timeout = options.timeoutMs ?? 15_000;
  const transport = nodemailer.createTransport(options.smtpUrl, { connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout } as never);
  return {
    via: 'email',
    async send(address: string, message: ContactMessage) {
      const text = message.actionUrl ? `${message.text}\n\n${message.actionLabel ?? 'Open'}: ${message.actionUrl}\n` : `${message.text}\n`;
      try {
        const info = await transport.sendMail({ from: options.from, to: address, subject: message.subject, text, html: html(message) });
        if (info.rejected?.length) throw Object.assign(new Error(`the server refused ${String(info.rejected[0])}`), { responseCode: 550 });
        return { providerId: String(info.messageId) };
      } catch (error) {
        throw toSendError(error);
      }
    },
    close: () => transport.close(),
  };
}

function toSendError(error: unknown): ContactSendError {
  const e = error as { responseCode?: number; code?: string; response?: string; message?: string };
  if (typeof e.responseCode === 'number') {
    const reply = `${e.responseCode}${e.response ? ` ${String(e.response).slice(0, 200)}` : ''}`;
    return new ContactSendError(`the mail server answered ${reply}`, 'email', { retryable: e.responseCode < 500, providerCode: String(e.responseCode), cause: error });
  }
  const retryable = e.code === undefined || TRANSIENT_CODES.has(e.code);
  return new ContactSendError(`could not send the email: ${e.message ?? String(error)}`, 'email', { retryable, providerCode: e.code, cause: error });
}


/** A plain page a phone shows well: the text, and the one button that matters. */
function html(message: ContactMessage): string {
  const paragraphs = message.text.split(/\n{2,}/).map((p) => `<p>${escapeMarkup(p).replace(/\n/g, '<br>')}</p>`).join('\n');
  const button = message.actionUrl
    ? `<p><a href="${escapeMarkup(message.actionUrl)}" style="display:inline-block;padding:12px 20px;background:#c0392b;color:#fff;text-decoration:none;border-radius:4px">${escapeMarkup(message.actionLabel ?? 'Open')}</a></p>`
    : '';
  return `<!doctype html><html><body style="font-family:sans-serif">\n${paragraphs}\n${button}\n</body></html>`;
}
