import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwilioCall {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  statusCallback?: string;
}

export interface TwilioMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback?: string;
}

/** Twilio's own description of its signature, written here apart from the bot's code. */
export function signTwilio(authToken: string, url: string, params: Record<string, string>): string {
  let data = url;
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return createHmac('sha1', authToken).update(data).digest('base64');
}

/**
 * Twilio's Messages API as strict as Twilio: basic auth with the account SID and auth token
 * (401, code 20003), the account in the path (404, 20404), To in E.164 and not Twilio's invalid
 * test number +15005550001 (400, 21211), From and
 * Body required (21603, 21602), Body within 1,600 characters (21617); 201 with an SM sid; 429
 * (20429) and 500 on demand. It posts signed status callbacks as Twilio does.
 */
export async function startFakeTwilio(options: { accountSid: string; authToken: string }) {
  const messages: TwilioMessage[] = [];
  const calls: TwilioCall[] = [];
  const failures: { status: number; code: number; message: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const error = (status: number, code: number, message: string) => answer(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(request.url ?? '');
      if (request.method !== 'POST' || !match) return error(404, 20404, 'The requested resource was not found');
      const expected = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
      if (request.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
      if (decodeURIComponent(match[1]!) !== options.accountSid) return error(404, 20404, `The requested resource /2010-04-01/Accounts/${match[1]}/Messages.json was not found`);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To') ?? '';
      // +15005550001 is Twilio's own test number for "invalid".
      if (!/^\+[1-9]\d{6,14}$/.test(to) || to === '+15005550001') return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (!form.get('From')) return error(400, 21603, "A 'From' phone number is required.");
      if (match[2] === 'Calls') {
        const twiml = form.get('Twiml') ?? '';
        if (!twiml && !form.get('Url')) return error(400, 21205, 'Url parameter is required.');
        if (twiml && !/^<Response>[\s\S]*<\/Response>$/.test(twiml)) return error(400, 13201, 'Invalid TwiML.');
        const failure = failures.shift();
        if (failure) return error(failure.status, failure.code, failure.message);
        const sid = `CA${randomBytes(16).toString('hex')}`;
        calls.push({ sid, to, from: form.get('From')!, twiml, statusCallback: form.get('StatusCallback') ?? undefined });
        return answer(201, { sid, account_sid: options.accountSid, to, from: form.get('From'), status: 'queued', api_version: '2010-04-01' });
      }
      const body = form.get('Body') ?? '';
      if (!body) return error(400, 21602, 'Message body is required.');
      if (body.length > 1600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      const failure = failures.shift();
      if (failure) return error(failure.status, failure.code, failure.message);
      const sid = `SM${randomBytes(16).toString('hex')}`;
      messages.push({ sid, to, from: form.get('From')!, body, statusCallback: form.get('StatusCallback') ?? undefined });
      answer(201, { sid, account_sid: options.accountSid, to, from: form.get('From'), body, status: 'queued', num_segments: '1', api_version: '2010-04-01' });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    calls,
    /** The callee presses keys during the call's Gather: Twilio posts them, signed, to its action URL. */
    async press(callSid: string, digits: string) {
      const call = calls.find((c) => c.sid === callSid)!;
      const action = /<Gather[^>]* action="([^"]+)"/.exec(call.twiml)![1]!.replace(/&amp;/g, '&');
      const params: Record<string, string> = { CallSid: callSid, AccountSid: options.accountSid, From: call.from, To: call.to, Digits: digits, CallStatus: 'in-progress', ApiVersion: '2010-04-01' };
      return fetch(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(options.authToken, action, params) }, body: new URLSearchParams(params).toString() });
    },
    /** How a call ended, posted signed to its status callback. */
    async endCall(callSid: string, status: 'completed' | 'no-answer' | 'busy' | 'failed') {
      const call = calls.find((c) => c.sid === callSid)!;
      const params: Record<string, string> = { CallSid: callSid, CallStatus: status, AccountSid: options.accountSid, From: call.from, To: call.to, ApiVersion: '2010-04-01' };
      return fetch(call.statusCallback!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(options.authToken, call.statusCallback!, params) }, body: new URLSearchParams(params).toString() });
    },
    failNext(status: 429 | 500) {
      failures.push(status === 429 ? { status, code: 20429, message: 'Too Many Requests' } : { status, code: 20500, message: 'Internal Server Error' });
    },
    /** Posts a status callback for a message to the URL it named, signed as Twilio signs (or forged). */
    async report(sid: string, status: 'sent' | 'delivered' | 'undelivered' | 'failed', extra: { errorCode?: string; forge?: boolean; sendTo?: (url: string) => string } = {}) {
      const message = messages.find((m) => m.sid === sid);
      if (!message?.statusCallback) throw new Error(`message ${sid} asked for no status callback`);
      const params: Record<string, string> = { MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, AccountSid: options.accountSid, To: message.to, From: message.from, ApiVersion: '2010-04-01' };
      if (extra.errorCode) params.ErrorCode = extra.errorCode;
      const signature = signTwilio(extra.forge ? 'not-the-token' : options.authToken, message.statusCallback, params);
      return fetch(extra.sendTo ? extra.sendTo(message.statusCallback) : message.statusCallback, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });
    },
    /** A person texting the bot's number: Twilio posts it, signed, to the number's webhook URL. */
    async text(webhookUrl: string, from: string, body: string, extra: { forge?: boolean } = {}) {
      const params: Record<string, string> = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: options.accountSid, From: from, To: '+15005550006', Body: body, NumMedia: '0', ApiVersion: '2010-04-01' };
      return fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(extra.forge ? 'not-the-token' : options.authToken, webhookUrl, params) },
        body: new URLSearchParams(params).toString(),
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
