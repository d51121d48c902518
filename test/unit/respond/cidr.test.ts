import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalCidr, contains, formatCidr, overlaps, parseCidr, parseIp } from '../../../shared/respond/cidr.ts';

describe('parseCidr()', () => {
  it.each([
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['203.0.113.7', '203.0.113.7/32'],
    ['2001:DB8:0:0:1::/64', '2001:db8::/64'],
    ['::/0', '::/0'],
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
    ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128'],
    ['fe80::1', 'fe80::1/128'],
  ])('canonicalises %s as %s', (input, want) => {
    expect(canonicalCidr(input)).toBe(want);
  });

  it.each([
    ['1.2.3/8', '"1.2.3/8": not an IPv4 or IPv6 address'],
    ['1.2.3.4/33', '"1.2.3.4/33": prefix length exceeds 32'],
    ['2001:db8::/129', '"2001:db8::/129": prefix length exceeds 128'],
    ['::1::2', '"::1::2": not an IPv4 or IPv6 address'],
    ['256.1.1.1/32', '"256.1.1.1/32": not an IPv4 or IPv6 address'],
    ['1.2.3.4/x', '"1.2.3.4/x": prefix length is not a number'],
  ])('rejects %s with CidrError', (input, message) => {
    expect(() => parseCidr(input)).toThrowError(message);
  });

  it('round-trips every IPv4 and IPv6 block through its canonical text', () => {
    const v4 = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), fc.integer({ min: 0, max: 32 })).map(([n, p]) => ({ family: 4 as const, n, p }));
    const v6 = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })).map(([n, p]) => ({ family: 6 as const, n, p }));
    fc.assert(
      fc.property(fc.oneof(v4, v6), ({ family, n, p }) => {
        const bits = family === 4 ? 32 : 128;
        const network = p === 0 ? 0n : n & (((1n << BigInt(p)) - 1n) << BigInt(bits - p));
        const c = { family, network, prefix: p };
        const back = parseCidr(formatCidr(c));
        expect(back).toEqual(c);
      }),
    );
  });
});

describe('contains() / overlaps()', () => {
  it('treats a /16 as containing and overlapping its /24, but not the reverse containment', () => {
    const big = parseCidr('10.0.0.0/16');
    const small = parseCidr('10.0.1.0/24');
    expect([contains(big, small), contains(small, big), overlaps(big, small), overlaps(small, big)]).toEqual([true, false, true, true]);
  });
  it('never mixes families', () => {
    expect(overlaps(parseCidr('0.0.0.0/0'), parseCidr('::/0'))).toBe(false);
    expect(parseIp('::')?.family).toBe(6);
  });
});
