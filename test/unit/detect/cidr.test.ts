import { describe, expect, it } from 'vitest';
import { CidrSet, hostCidr, parseCidr, parseIp, CidrFormatError } from '../../../shared/detect/cidr.ts';

describe('parseCidr()', () => {
  it('canonicalises IPv4 and IPv6 blocks, clearing host bits', () => {
    expect(parseCidr('203.0.113.77/24').text).toBe('203.0.113.0/24');
    expect(parseCidr('2001:DB8:0:0:1::/32').text).toBe('2001:db8::/32');
    expect(parseCidr('10.1.2.3').text).toBe('10.1.2.3/32');
    expect(parseCidr('::ffff:192.0.2.1').text).toBe('::ffff:c000:201/128');
  });

  it.each(['1.2.3/8', '1.2.3.4/33', '256.1.1.1', '1::2::3', 'fe80::/129', 'abc', '1.2.3.4/'])('rejects %s', (s) => {
    expect(() => parseCidr(s)).toThrow(CidrFormatError);
  });
});

describe('CidrSet', () => {
  it('finds the most specific block and nothing across families', () => {
    const s = new CidrSet(['10.0.0.0/8', '10.1.0.0/16', 'fc00::/7']);
    expect(s.lookup('10.1.2.3')?.text).toBe('10.1.0.0/16');
    expect(s.lookup('10.2.0.1')?.text).toBe('10.0.0.0/8');
    expect(s.lookup('11.0.0.1')).toBeNull();
    expect(s.lookup('fd12::1')?.text).toBe('fc00::/7');
    expect(s.lookup('2001:db8::1')).toBeNull();
    expect(s.lookup('not-an-ip')).toBeNull();
  });
});

describe('hostCidr()', () => {
  it('gives /32 and /128 host routes', () => {
    expect(hostCidr('198.51.100.7')).toBe('198.51.100.7/32');
    expect(hostCidr('2001:db8:0::7')).toBe('2001:db8::7/128');
    expect(hostCidr('-')).toBeNull();
    expect(parseIp('1.2.3.4')?.family).toBe(4);
  });
});
