import { createVerify, X509Certificate } from 'node:crypto';
import { get } from 'node:https';
import { rootCertificates } from 'node:tls';
import { snsStringToSign, snsUrlProblem, type SnsMessage } from './sns-message.js';

export interface SnsTrust {
  /** SNS_CERT_HOST: the one host certificates and subscribe URLs may come from instead of Amazon's (tests). */
  certHost?: string;
  /** SNS_CA_FILE's PEM: a CA trusted besides the system's when fetching from that host. */
  extraCa?: string;
}

export class SnsVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnsVerificationError';
  }
}

const CERT_MAX_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
const CACHED_CERTIFICATES = 20;

/** GETs an https URL with the system's CAs (and the extra one), bounded in size and time. */
export function httpsGet(url: string, trust: SnsTrust, maxBytes = CERT_MAX_BYTES): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca: trust.extraCa ? [...rootCertificates, trust.extraCa] : undefined, timeout: FETCH_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > maxBytes) request.destroy(new Error(`the answer is over ${maxBytes} bytes`));
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${FETCH_TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
  });
}

/**
 * Checks that SNS signed a message: the certificate comes over https from SNS's own host (so its
 * key is Amazon's), and the signature over the message's fields verifies with it (SHA1withRSA for
 * SignatureVersion 1, SHA256withRSA for 2). Certificates are cached by URL: SNS signs with few.
 */
export class SnsSignatureVerifier {
  private readonly certificates = new Map<string, string>();

  constructor(private readonly trust: SnsTrust) {}

  async verify(message: SnsMessage): Promise<void> {
    const problem = snsUrlProblem(message.SigningCertURL, this.trust.certHost);
    if (problem) throw new SnsVerificationError(`SigningCertURL ${problem}`);
    const certificate = await this.certificate(message.SigningCertURL);
    const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    verifier.update(snsStringToSign(message), 'utf8');
    let valid = false;
    try {
      valid = verifier.verify(certificate, message.Signature, 'base64');
    } catch {
      valid = false;
    }
    if (!valid) throw new SnsVerificationError(`the signature does not verify with the certificate at SigningCertURL (SignatureVersion ${message.SignatureVersion})`);
  }

  private async certificate(url: string): Promise<string> {
    const cached = this.certificates.get(url);
    if (cached) return cached;
    let answer: { status: number; body: string };
    try {
      answer = await httpsGet(url, this.trust);
    } catch (error) {
      throw new SnsVerificationError(`the certificate at SigningCertURL could not be fetched: ${(error as Error).message}`);
    }
    if (answer.status !== 200) throw new SnsVerificationError(`the certificate at SigningCertURL answered ${answer.status}`);
    try {
      new X509Certificate(answer.body);
    } catch {
      throw new SnsVerificationError('SigningCertURL does not hold a PEM certificate');
    }
    if (this.certificates.size >= CACHED_CERTIFICATES) this.certificates.delete(this.certificates.keys().next().value!);
    this.certificates.set(url, answer.body);
    return answer.body;
  }
}
