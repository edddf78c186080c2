import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../src/abuse/client-address.js';
import { formatRateLimitSetting, parseRateLimitSetting } from '../../../src/abuse/rate-limit-setting.js';
import { problemsOf } from '../../support/config-problems.js';
import { loadConfig } from '../../../src/config.js';

describe('rate limit settings', () => {
  it('reads rates per second or minute, with an optional burst', () => {
    expect(parseRateLimitSetting('100/s')).toEqual({ ratePerSecond: 100, burst: 100 });
    expect(parseRateLimitSetting('600/m')).toEqual({ ratePerSecond: 10, burst: 600 });
    expect(parseRateLimitSetting(' 5 / s  burst 50 ')).toEqual({ ratePerSecond: 5, burst: 50 });
    expect(parseRateLimitSetting('0.5/s')).toEqual({ ratePerSecond: 0.5, burst: 1 });
    expect(parseRateLimitSetting('OFF')).toBe('off');
  });

  it('refuses what is not a rate', () => {
    for (const bad of ['', '100', '100/h', '0/s', '-1/s', '100/s burst', '100/s burst 0', '10/s 20', 'fast']) {
      expect(parseRateLimitSetting(bad), bad).toBeUndefined();
    }
  });

  it('formats a limit the way it can be written back', () => {
    expect(formatRateLimitSetting({ ratePerSecond: 100, burst: 1000 })).toBe('100/s burst 1000');
    expect(formatRateLimitSetting({ ratePerSecond: 1 / 60, burst: 3 })).toBe('1/m burst 3');
    expect(parseRateLimitSetting(formatRateLimitSetting({ ratePerSecond: 2.5, burst: 7 }))).toEqual({ ratePerSecond: 2.5, burst: 7 });
  });

  it('defaults to generous limits per token and per address, and no trusted proxy', () => {
    const config = loadConfig({});
    expect(config.WEBHOOK_RATE_LIMIT).toEqual({ ratePerSecond: 1000, burst: 10_000 });
    expect(config.WEBHOOK_RATE_LIMIT_PER_ADDRESS).toEqual({ ratePerSecond: 2000, burst: 20_000 });
    expect(config.TRUST_PROXY).toBe(false);
    expect(loadConfig({ WEBHOOK_RATE_LIMIT: '', TRUST_PROXY: '' }).WEBHOOK_RATE_LIMIT).toEqual({ ratePerSecond: 1000, burst: 10_000 });
  });

  it('names the variable and the accepted forms when a value is wrong', () => {
    expect(problemsOf({ WEBHOOK_RATE_LIMIT: '100 per second', WEBHOOK_RATE_LIMIT_PER_ADDRESS: '5/h' })).toEqual([
      'WEBHOOK_RATE_LIMIT: must be a rate such as "100/s", "600/m" or "100/s burst 1000", or "off" (got "100 per second")',
      'WEBHOOK_RATE_LIMIT_PER_ADDRESS: must be a rate such as "100/s", "600/m" or "100/s burst 1000", or "off" (got "5/h")',
    ]);
  });

  it('trusts X-Forwarded-For only from a number of hops or named proxies, never from everyone', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'off' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,::1' }).TRUST_PROXY).toBe('10.0.0.0/8,loopback,::1');
    for (const bad of ['true', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/8']) {
      expect(problemsOf({ TRUST_PROXY: bad })[0], bad).toMatch(/^TRUST_PROXY: must be "off", the number of proxies/);
    }
  });
});

describe('address keys', () => {
  it('keeps IPv4 as is and unwraps IPv4-mapped IPv6', () => {
    expect(addressKey('203.0.113.5')).toBe('203.0.113.5');
    expect(addressKey('::ffff:203.0.113.5')).toBe('203.0.113.5');
  });

  it('groups IPv6 by /64, however the address is written', () => {
    expect(addressKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:0DB8:0000:0001:ffff:0:0:9')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('1:2::3:4:5:1.2.3.4')).toBe('1:2:0:3::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
