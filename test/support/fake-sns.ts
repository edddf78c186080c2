import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snsStringToSign, type SnsMessage } from '../../src/alerts/sns-message.js';

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Amazon SNS as an HTTPS subscriber meets it: a host serving the signing certificate and the
 * ConfirmSubscription action, behind a TLS certificate from a local CA (the bot trusts it through
 * SNS_CA_FILE and SNS_CERT_HOST). It signs messages as SNS does, and answers an unknown
 * subscription token as SNS does (400, InvalidParameter).
 */
export interface FakeSns {
  /** host:port, for SNS_CERT_HOST. */
  host: string;
  /** The local CA's PEM file, for SNS_CA_FILE. */
  caFile: string;
  certUrl: string;
  /** A subscription confirmation this SNS would accept. */
  subscriptionConfirmation(topicArn: string): SnsMessage;
  /** Signs a message with SNS's key (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA). */
  sign(message: Omit<SnsMessage, 'Signature' | 'SigningCertURL' | 'SignatureVersion'> & { SignatureVersion?: '1' | '2' }, options?: { key?: 'sns' | 'other' }): SnsMessage;
  /** The topics confirmed so far. */
  confirmed: string[];
  close(): Promise<void>;
}

export async function startFakeSns(): Promise<FakeSns> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-sns-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=incident-bot test CA'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext'], dir);
  // The key SNS signs messages with, and another that a forger would use.
  for (const name of ['signing', 'other']) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=sns.test.amazonaws.com`], dir);
  }
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const tokens = new Map<string, string>();
  const confirmed: string[] = [];
  const server: Server = createServer({ key: read('server.key'), cert: read('server.pem') }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://localhost');
    if (request.method === 'GET' && url.pathname === '/SimpleNotificationService-test.pem') {
      response.writeHead(200, { 'content-type': 'application/x-x509-ca-cert' }).end(read('signing.pem'));
      return;
    }
    if (request.method === 'GET' && url.pathname === '/' && url.searchParams.get('Action') === 'ConfirmSubscription') {
      const topic = url.searchParams.get('TopicArn') ?? '';
      if (tokens.get(url.searchParams.get('Token') ?? '') !== topic) {
        response
          .writeHead(400, { 'content-type': 'text/xml' })
          .end('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid token</Message></Error></ErrorResponse>');
        return;
      }
      confirmed.push(topic);
      response
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(`<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>${topic}:sub</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const host = `127.0.0.1:${port}`;
  const certUrl = `https://${host}/SimpleNotificationService-test.pem`;
  const sign: FakeSns['sign'] = (message, options = {}) => {
    const full = { ...message, SignatureVersion: message.SignatureVersion ?? '2', SigningCertURL: certUrl, Signature: '' } as SnsMessage;
    const signer = createSign(full.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    signer.update(snsStringToSign(full), 'utf8');
    full.Signature = signer.sign(read(options.key === 'other' ? 'other.key' : 'signing.key'), 'base64');
    return full;
  };
  return {
    host,
    caFile: join(dir, 'ca.pem'),
    certUrl,
    confirmed,
    subscriptionConfirmation(topicArn) {
      const token = `token-${tokens.size + 1}-${topicArn.length}`;
      tokens.set(token, topicArn);
      return sign({
        Type: 'SubscriptionConfirmation',
        MessageId: `confirm-${tokens.size}`,
        TopicArn: topicArn,
        Token: token,
        Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
        SubscribeURL: `https://${host}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`,
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
      });
    },
    sign,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
