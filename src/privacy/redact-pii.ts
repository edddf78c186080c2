/**
 * Masks personal data and credentials in free text (alert titles, descriptions, annotations).
 * Each mask names what it replaced ("[email]", "[card]", ...) so a responder knows something
 * was there. Pure and idempotent: masking masked text changes nothing.
 *
 * The rules lean towards leaving ordinary alert text alone: timestamps, IP addresses, versions,
 * durations, percentages and counts are never touched, at the price of missing some phone
 * numbers written without separators.
 */

type Replacer = (match: string, ...groups: string[]) => string;

interface Rule {
  name: string;
  pattern: RegExp;
  replace: string | Replacer;
}

export const MASKS = {
  email: '[email]',
  phone: '[phone]',
  card: '[card]',
  token: '[token]',
  jwt: '[jwt]',
  slackToken: '[slack-token]',
  githubToken: '[github-token]',
  awsKey: '[aws-key]',
  secret: '[secret]',
  password: '[password]',
} as const;

/** Characters of an opaque credential (base64, base64url, hex, ...). */
const TOKEN_CHARS = String.raw`[A-Za-z0-9\-._~+/]`;

/** scheme://user:password@host keeps the user and the host. */
const URL_PASSWORD: Rule = {
  name: 'url-password',
  pattern: /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,30}:\/\/)([^\s:@/?#]*):([^\s@/?#]+)@/gi,
  replace: (_m, scheme, user) => `${scheme}${user}:${MASKS.password}@`,
};

const AUTH_SCHEME = /^(?:Bearer|Basic|Token|Digest|Bot)$/i;

/** `Authorization: Bearer x`, `authorization=Basic x`, `"Authorization": "x"`: the value goes, whatever its form. */
const AUTHORIZATION_HEADER: Rule = {
  name: 'authorization',
  pattern: /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(Bearer|Basic|Token|Digest|Bot)\s+)?([^\s"',;[][^\s"',;]*)/gi,
  replace: (match, head: string, scheme: string | undefined, value: string) =>
    !scheme && AUTH_SCHEME.test(value) ? match : `${head}${scheme ? `${scheme} ` : ''}${MASKS.token}`,
};

/** A labelled secret: password=..., "api_key": "...", SLACK_BOT_TOKEN=..., aws_secret_access_key = .... */
const LABELLED_SECRET: Rule = {
  name: 'labelled-secret',
  pattern:
    /\b([A-Za-z0-9_.-]{0,40}(?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key)[A-Za-z0-9_.-]{0,40})(["']?\s*[:=]\s*["']?)([^\s"'&,;)}\][][^\s"'&,;)}\]]*)/gi,
  replace: (match, label: string, separator: string, value: string) => {
    const isPassword = /pass(word|wd)/i.test(label);
    // "max_tokens=4096", "token: expired": a short or purely numeric value is not a credential.
    if (!isPassword && !/secret/i.test(label) && (value.length < 8 || !/[A-Za-z]/.test(value))) return match;
    return `${label}${separator}${isPassword ? MASKS.password : MASKS.secret}`;
  },
};

const BEARER_TOKEN: Rule = {
  name: 'bearer',
  pattern: new RegExp(String.raw`\b(Bearer\s+)(${TOKEN_CHARS}{8,}=*)`, 'gi'),
  // "Bearer authentication failed": a word is not a token; a token has a digit or a symbol in it.
  replace: (match, head: string, token: string) => (/[\d\-._~+/=]/.test(token) || token.length >= 32 ? `${head}${MASKS.token}` : match),
};

const JWT: Rule = {
  name: 'jwt',
  pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g,
  replace: MASKS.jwt,
};

const SLACK_TOKEN: Rule = {
  name: 'slack-token',
  pattern: /\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}/g,
  replace: MASKS.slackToken,
};

/** An incoming-webhook URL is itself the credential. */
const SLACK_WEBHOOK_URL: Rule = {
  name: 'slack-webhook',
  pattern: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g,
  replace: (_m, head) => `${head}${MASKS.token}`,
};

const GITHUB_TOKEN: Rule = {
  name: 'github-token',
  pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g,
  replace: MASKS.githubToken,
};

const AWS_ACCESS_KEY_ID: Rule = {
  name: 'aws-key',
  pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  replace: MASKS.awsKey,
};

/**
 * Not after "//" (https://alice@host is a URL's user, not an address). The look-behind keeps
 * the scan linear: a match can only start where a run of address characters starts.
 */
const EMAIL: Rule = {
  name: 'email',
  pattern: /(?<![A-Za-z0-9._%+-]|\/\/)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  replace: MASKS.email,
};

/** Luhn checksum over the digits of a candidate card number. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes in use (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Diners 30/36/38, JCB 35, Discover/UnionPay 6). */
const CARD_ISSUER = /^(?:4|5[1-5]|2[2-7]|3[0478568]|6)/;

const CARD: Rule = {
  name: 'card',
  // Contiguous, 4-4-4-4 (same separator throughout), or Amex/Diners 4-6-5 / 4-6-4.
  pattern: /(?<![\w.,:+-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}|\d{4}([ -])\d{6}\2\d{4,5})(?![\w]|[.,:-]\d)/g,
  replace: (match) => {
    const digits = match.replace(/\D/g, '');
    return digits.length >= 13 && digits.length <= 19 && CARD_ISSUER.test(digits) && luhnValid(digits) ? MASKS.card : match;
  },
};

const digitCount = (text: string) => text.replace(/\D/g, '').length;

/** +44 20 7946 0958, +1 (202) 555-0143, +4915112345678: E.164 allows 8 to 15 digits. */
const INTERNATIONAL_PHONE: Rule = {
  name: 'phone-international',
  pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?[ .-]?\d{1,14}(?:[ .-]\d{1,14}){0,5}(?![\w]|[.:,-]\d)/g,
  replace: (match) => {
    const digits = digitCount(match);
    return digits >= 8 && digits <= 15 ? MASKS.phone : match;
  },
};

/** North American: (202) 555-0143, 202-555-0143, 202.555.0143, 1-800-555-0199. */
const NANP_PHONE: Rule = {
  name: 'phone-nanp',
  pattern: /(?<![\w.+-])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w]|[.:,-]\d)/g,
  replace: MASKS.phone,
};

/** National numbers with a trunk 0 and separators: 020 7946 0958, 07700 900123, 030 1234567, 01 23 45 67 89. */
const TRUNK_PHONE: Rule = {
  name: 'phone-national',
  pattern: /(?<![\w.+\-/:])(?:\(0[1-9]\d{0,4}\)|0[1-9]\d{0,4})(?:[ -]\d{2,8}){1,4}(?![\w]|[.:,/-]\d)/g,
  replace: (match) => {
    const digits = digitCount(match);
    return digits >= 9 && digits <= 12 ? MASKS.phone : match;
  },
};

/** Credentials first (a URL password looks like an address; a token can hold card-like digit runs). */
const SECRET_RULES: readonly Rule[] = [
  URL_PASSWORD,
  AUTHORIZATION_HEADER,
  BEARER_TOKEN,
  JWT,
  SLACK_TOKEN,
  SLACK_WEBHOOK_URL,
  GITHUB_TOKEN,
  AWS_ACCESS_KEY_ID,
  LABELLED_SECRET,
];

const PERSONAL_RULES: readonly Rule[] = [EMAIL, CARD, INTERNATIONAL_PHONE, NANP_PHONE, TRUNK_PHONE];

/**
 * Like String.replace, except that a match the rule turns down (a number that fails Luhn, too
 * few digits for a phone) is retried one character later, so "1234 4111 1111 1111 1111" still
 * finds the card that starts at its second group.
 */
function applyRule(text: string, rule: Rule): string {
  const pattern = new RegExp(rule.pattern.source, rule.pattern.flags);
  let out = '';
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const replacement = typeof rule.replace === 'string' ? rule.replace : rule.replace(match[0], ...match.slice(1));
    if (replacement === match[0]) {
      pattern.lastIndex = match.index + 1;
      continue;
    }
    out += text.slice(last, match.index) + replacement;
    last = pattern.lastIndex = match.index + match[0].length;
  }
  return last === 0 ? text : out + text.slice(last);
}

function apply(text: string, rules: readonly Rule[]): string {
  let out = text;
  for (const rule of rules) out = applyRule(out, rule);
  return out;
}

/**
 * A cheap test that every SECRET_RULES match passes (a superset: each rule's literal part), so
 * text without any of these, most log lines, skips the rules.
 */
const SECRET_HINT = /:\/\/|authorization|bearer|eyJ|xox|xapp|gh[pousr]_|github_pat_|hooks\.slack\.com|AKIA|ASIA|ABIA|ACCA|pass(?:word|wd)|secret|token|api[_-]?key|access[_-]?key|private[_-]?key/i;

/** Credentials only: URL passwords, authorization values, bearer/Slack/GitHub/JWT tokens, AWS keys, labelled secrets. */
export function redactSecrets(text: string): string {
  return SECRET_HINT.test(text) ? apply(text, SECRET_RULES) : text;
}

/** The lines a log scrubber must look at: those redactSecrets could change. */
export function mayHoldSecret(text: string): boolean {
  return SECRET_HINT.test(text);
}

/** Credentials and personal data: everything redactSecrets masks, plus emails, card numbers and phone numbers. */
export function redactPii(text: string): string {
  return apply(redactSecrets(text), PERSONAL_RULES);
}
