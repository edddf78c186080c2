import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { SnsTrust } from './sns-signature.js';

/** SNS_CERT_HOST and SNS_CA_FILE as the verifier takes them (the file was checked readable when the settings were read). */
export function snsTrustFrom(config: Pick<Config, 'SNS_CERT_HOST' | 'SNS_CA_FILE'>): SnsTrust {
  return { certHost: config.SNS_CERT_HOST, extraCa: config.SNS_CA_FILE ? readFileSync(config.SNS_CA_FILE, 'utf8') : undefined };
}
