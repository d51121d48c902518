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

describe('CidrSet with many blocks (hashed per prefix length)', () => {
  it('finds the most specific of 40 blocks, including /0 and /32', () => {
    const blocks = [...Array.from({ length: 36 }, (_, i) => `198.51.${i}.0/24`), '198.51.7.128/25', '198.51.7.200/32', '0.0.0.0/0', '198.51.0.0/16'];
    const s = new CidrSet(blocks);
    expect(s.size).toBe(40);
    expect(s.lookup('198.51.7.200')?.text).toBe('198.51.7.200/32');
    expect(s.lookup('198.51.7.201')?.text).toBe('198.51.7.128/25');
    expect(s.lookup('198.51.7.1')?.text).toBe('198.51.7.0/24');
    expect(s.lookup('198.51.99.1')?.text).toBe('198.51.0.0/16');
    expect(s.lookup('255.255.255.255')?.text).toBe('0.0.0.0/0');
    expect(s.lookup('1.2.3')).toBeNull();
  });

  it('agrees with a brute-force check on random addresses', () => {
    const blocks = Array.from({ length: 30 }, (_, i) => `${10 + i}.${i * 7}.0.0/${8 + (i % 17)}`).map((b) => parseCidr(b));
    const s = new CidrSet(blocks);
    const small = new CidrSet(blocks.slice(0, 10));
    for (let n = 0; n < 2000; n++) {
      const a = [10 + (n % 32), (n * 37) % 256, (n * 101) % 256, n % 256].join('.');
      const v = Number(parseIp(a)?.value);
      const contains = (c: (typeof blocks)[number]) => v >= Number(c.network) && v < Number(c.network) + 2 ** (32 - c.prefix);
      const best = (bs: typeof blocks) => bs.filter(contains).sort((x, y) => y.prefix - x.prefix)[0]?.text ?? null;
      expect(s.lookup(a)?.text ?? null).toBe(best(blocks));
      expect(small.lookup(a)?.text ?? null).toBe(best(blocks.slice(0, 10)));
    }
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
