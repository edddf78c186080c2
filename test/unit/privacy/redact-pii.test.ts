import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnValid, redactPii, redactSecrets } from '../../../src/privacy/redact-pii.js';

describe('redactPii masks personal data and credentials, naming what it masked', () => {
  it.each([
    ['Login failed for alice.smith@example.com', 'Login failed for [email]'],
    ['notify <ops+pager@mail.corp.example.co.uk>', 'notify <[email]>'],
    ['mailto:Bob_O-Neil@sub.example.io now', 'mailto:[email] now'],
    ['user=jane.doe@example.org,status=locked', 'user=[email],status=locked'],
    ['"email": "x@y.dev"', '"email": "[email]"'],
  ])('email: %s', (input, expected) => expect(redactPii(input)).toBe(expected));

  it.each([
    ['caller +44 20 7946 0958 reported it', 'caller [phone] reported it'],
    ['call +1 (202) 555-0143.', 'call [phone].'],
    ['sms to +4915112345678 failed', 'sms to [phone] failed'],
    ['+33 1 23 45 67 89', '[phone]'],
    ['+1-202-555-0143', '[phone]'],
    ['+49 (30) 1234567', '[phone]'],
    ['customer (202) 555-0143 waiting', 'customer [phone] waiting'],
    ['phone 202-555-0143', 'phone [phone]'],
    ['phone 202.555.0143', 'phone [phone]'],
    ['hotline 1-800-555-0199', 'hotline [phone]'],
    ['UK mobile 07700 900123', 'UK mobile [phone]'],
    ['London 020 7946 0958', 'London [phone]'],
    ['Berlin 030 1234567', 'Berlin [phone]'],
    ['Paris 01 23 45 67 89', 'Paris [phone]'],
    ['(030) 1234567', '[phone]'],
  ])('phone: %s', (input, expected) => expect(redactPii(input)).toBe(expected));

  it.each([
    ['card 4111 1111 1111 1111 declined', 'card [card] declined'],
    ['pan=4111111111111111', 'pan=[card]'],
    ['5500-0055-5555-5559', '[card]'],
    ['amex 3782 822463 10005', 'amex [card]'],
    ['amex 378282246310005', 'amex [card]'],
    ['diners 3056 930902 5904', 'diners [card]'],
    ['discover 6011111111111117', 'discover [card]'],
    ['mc 5555555555554444 and visa 4242424242424242', 'mc [card] and visa [card]'],
    ['2-series 2223003122003222', '2-series [card]'],
    ['ref 1234 4000 0000 0000 0002 end', 'ref 1234 [card] end'],
  ])('card: %s', (input, expected) => expect(redactPii(input)).toBe(expected));

  it.each([
    ['Authorization: Bearer abc.def-123_XYZ', 'Authorization: Bearer [token]'],
    ['authorization=Basic dXNlcjpwYXNz', 'authorization=Basic [token]'],
    ['"Authorization": "tok_live_8f3a2"', '"Authorization": "[token]"'],
    ['curl -H "Authorization: Bearer 0123456789abcdef"', 'curl -H "Authorization: Bearer [token]"'],
    ['retrying with bearer ya29.A0ARrdaM-long_token', 'retrying with bearer [token]'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt [jwt]'],
    ['slack xoxb-1234567890-0987654321-AbCdEfGhIjKl expired', 'slack [slack-token] expired'],
    ['app token xapp-1-A0123-456-abcdef', 'app token [slack-token]'],
    ['webhook https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'webhook https://hooks.slack.com/services/[token]'],
    ['github ghp_16C7e42F292c6912E7710c838347Ae178B4a rejected', 'github [github-token] rejected'],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', '[github-token]'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key [aws-key] used'],
    ['session ASIAY34FZKBOKMUTVV7A', 'session [aws-key]'],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = [secret]'],
    ['AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', 'AWS_SECRET_ACCESS_KEY="[secret]"'],
    ['"password": "hunter2"', '"password": "[password]"'],
    ['login with password=hunter2 failed', 'login with password=[password] failed'],
    ['GET /cb?code=1&access_token=abcdef123456&state=x', 'GET /cb?code=1&access_token=[secret]&state=x'],
    ['X-Api-Key: 9f8e7d6c5b4a', 'X-Api-Key: [secret]'],
    ['client_secret: s3cr3t', 'client_secret: [secret]'],
  ])('credential: %s', (input, expected) => expect(redactPii(input)).toBe(expected));

  it.each([
    ['connect failed: postgresql://bot:db-password-1@db.internal:5432/bot', 'connect failed: postgresql://bot:[password]@db.internal:5432/bot'],
    ['redis://:s3cr3t@cache:6379/0', 'redis://:[password]@cache:6379/0'],
    ['amqp://guest:guest@rabbit/', 'amqp://guest:[password]@rabbit/'],
    ['https://deploy:p%40ss@git.example.com/repo.git', 'https://deploy:[password]@git.example.com/repo.git'],
    ['mongodb+srv://app:Xy9!zz@cluster0.example.net/db', 'mongodb+srv://app:[password]@cluster0.example.net/db'],
  ])('URL password keeps user and host: %s', (input, expected) => expect(redactPii(input)).toBe(expected));

  it.each([
    'error rate 5.3% over 5m',
    'p99 took 1234 ms (threshold 1000 ms)',
    'started 2024-03-10T09:15:02.123Z, ended 2024-03-10 09:45:00 UTC',
    'at 10.03.2024 09:15:02',
    'at 03/10/2024 09:15',
    'instance 10.0.0.12:9100 and 192.168.100.200 down',
    'upgrade from v2.14.1 to 10.24.1-rc.2 failed',
    'disk 93% full on /dev/sda1, 1048576 bytes free',
    'pid 48213 exited with code 137',
    '1,234,567 requests in 24h; 12 345 678 in total',
    'request id 123e4567-e89b-12d3-a456-426614174000',
    'commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39',
    'AWS account 123456789012 in eu-west-1',
    'epoch 1710061502123 ns 1710061502123456789',
    'order 1234567890123456 (not Luhn-valid)',
    'latency +12.5% vs last week, +1234 ms',
    'offset +05:30, tz +0100',
    'build 20240310.4 on node 20.11.1',
    'queue depth 0 12 34 over 3 runs',
    'https://grafana.example.com/d/abc?orgId=1&from=now-1h',
    'https://alice@git.example.com/repo is read-only',
    'max_tokens=4096 and token: expired',
    'Bearer authentication failed for service checkout',
    'image ghcr.io/acme/api@sha256:0123456789abcdef',
    'ports 0.0.0.0:3000, 127.0.0.1:5432',
    'sev1 since 09:15, 45m 30s elapsed',
  ])('leaves ordinary alert text alone: %s', (text) => expect(redactPii(text)).toBe(text));

  it('masks everything in one realistic alert description', () => {
    const text = [
      'Checkout failing for customer jane@example.com (+44 20 7946 0958).',
      'Payload had card 4111-1111-1111-1111.',
      'Upstream said 401 to "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop".',
      'Key AKIAIOSFODNN7EXAMPLE; DSN postgres://app:hunter2@db:5432/shop; error rate 5.3% at 2024-03-10T09:15:02Z.',
    ].join(' ');
    expect(redactPii(text)).toBe(
      [
        'Checkout failing for customer [email] ([phone]).',
        'Payload had card [card].',
        'Upstream said 401 to "Authorization: Bearer [token]".',
        'Key [aws-key]; DSN postgres://app:[password]@db:5432/shop; error rate 5.3% at 2024-03-10T09:15:02Z.',
      ].join(' '),
    );
  });

  it('redactSecrets masks credentials but leaves personal data', () => {
    expect(redactSecrets('alice@example.com used xoxb-1234567890-abcdefghij at postgresql://u:pw@h/db')).toBe(
      'alice@example.com used [slack-token] at postgresql://u:[password]@h/db',
    );
  });

  it('luhnValid checks the checksum', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('378282246310005')).toBe(true);
  });
});

const lower = 'abcdefghijklmnopqrstuvwxyz';
const alnum = lower + '0123456789';
const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: min, maxLength: max }).map((list) => list.join(''));

const email = fc
  .tuple(chars(alnum + '._+-', 1, 20), fc.array(chars(alnum, 1, 12), { minLength: 1, maxLength: 3 }), chars(lower, 2, 6))
  .map(([local, labels, tld]) => `${local}@${labels.join('.')}.${tld}`);

/** A Luhn-valid 16-digit Visa-like number, printed plain, in groups of four with spaces, or with dashes. */
const card = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 14, maxLength: 14 }), fc.constantFrom('', ' ', '-'))
  .map(([body, separator]) => {
    const partial = `4${body.join('')}`;
    const check = [...Array(10).keys()].find((digit) => luhnValid(partial + digit))!;
    const digits = partial + check;
    return { digits, printed: digits.match(/.{4}/g)!.join(separator) };
  });

const word = fc.constantFrom('error', 'rate', '5.3%', 'took', '1234', 'ms', 'on', '10.0.0.1:9100', 'v1.2.3', '2024-03-10T09:15:02Z', 'for', 'user', '(', ')', ',', ':', '=', '"');
const filler = fc.array(word, { maxLength: 6 }).map((words) => words.join(' '));

describe('redactPii properties', () => {
  const anyText = fc.array(fc.oneof(filler, email, card.map((c) => c.printed), fc.string({ maxLength: 30 })), { maxLength: 8 }).map((parts) => parts.join(' '));

  it('is idempotent: masking masked text changes nothing', () => {
    fc.assert(fc.property(anyText, (text) => redactPii(redactPii(text)) === redactPii(text)), { numRuns: 2_000 });
  });

  it('never leaves a generated email in the output', () => {
    fc.assert(
      fc.property(filler, email, filler, (before, address, after) => {
        const out = redactPii(`${before} ${address} ${after}`);
        expect(out).not.toContain(address);
        expect(out).not.toContain(address.slice(address.indexOf('@')));
        expect(out).toContain('[email]');
      }),
      { numRuns: 1_000 },
    );
  });

  it('never leaves a generated card number in the output', () => {
    fc.assert(
      fc.property(filler, card, filler, (before, { digits, printed }, after) => {
        const out = redactPii(`${before} ${printed} ${after}`);
        expect(out.replace(/[ -]/g, '')).not.toContain(digits);
        expect(out).toContain('[card]');
      }),
      { numRuns: 1_000 },
    );
  });

  it('leaves IP addresses, timestamps, decimals and durations unchanged', () => {
    const ordinary = fc.oneof(
      fc.ipV4(),
      fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.double({ min: 0, max: 1e6, noNaN: true }).map((n) => `${n.toFixed(2)}%`),
      fc.integer({ min: 0, max: 10_000_000 }).map((n) => `took ${n} ms`),
      fc.tuple(fc.nat(99), fc.nat(99), fc.nat(999)).map(([a, b, c]) => `v${a}.${b}.${c}`),
    );
    fc.assert(
      fc.property(fc.array(ordinary, { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.join(' ');
        expect(redactPii(text)).toBe(text);
      }),
      { numRuns: 2_000 },
    );
  });
});
