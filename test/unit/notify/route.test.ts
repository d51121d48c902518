import { describe, expect, it } from 'vitest';
import type { NotifyMessage } from '../../../shared/notify/model.ts';
import { route } from '../../../shared/notify/route.ts';
import { globMatch } from '../../../shared/notify/text.ts';

const msg = (over: Partial<NotifyMessage>): NotifyMessage => ({
  source: 'alarm',
  severity: 'medium',
  status: 'alarm',
  title: 't',
  summary: [],
  fields: [],
  account: '111122223333',
  region: 'eu-west-1',
  time: '2026-11-20T10:00:00.000Z',
  dedupKey: 'k',
  threadKey: 'k',
  alarmName: 'prod-vpn-tunnel-1',
  ...over,
});

const routes = [
  { match: { severity: ['critical'] }, channels: ['pager', 'slack'] },
  { match: { source: 'cloudtrail', account: '1111*' }, channels: ['sec'] },
  { match: { alarmName: 'prod-vpn-*', region: ['eu-west-1', 'eu-central-1'] }, channels: ['net', 'net'] },
  { match: {}, channels: ['slack'] },
];

describe('route()', () => {
  it('first match wins', () => {
    expect(route(routes, msg({ severity: 'critical', source: 'cloudtrail' }))).toEqual({ channels: ['pager', 'slack'], routeIndex: 0 });
    expect(route(routes, msg({ source: 'cloudtrail' }))).toEqual({ channels: ['sec'], routeIndex: 1 });
  });

  it('every given key must match; alarmName is a glob; channels are deduplicated', () => {
    expect(route(routes, msg({}))).toEqual({ channels: ['net'], routeIndex: 2 });
    expect(route(routes, msg({ region: 'us-east-1' }))).toEqual({ channels: ['slack'], routeIndex: 3 });
  });

  it('a message without an alarm name never matches an alarmName route', () => {
    const { alarmName: _drop, ...noName } = msg({});
    expect(route(routes, noName as NotifyMessage).routeIndex).toBe(3);
  });

  it('no route at all: no channels', () => {
    expect(route([], msg({}))).toEqual({ channels: [], routeIndex: -1 });
  });
});

describe('globMatch()', () => {
  it('treats * and ? as wildcards and everything else literally', () => {
    expect(globMatch('prod-*', 'prod-a.b')).toBe(true);
    expect(globMatch('a.c', 'abc')).toBe(false);
    expect(globMatch('vpn-?', 'vpn-1')).toBe(true);
    expect(globMatch('vpn-?', 'vpn-12')).toBe(false);
    expect(globMatch('(x)+[y]', '(x)+[y]')).toBe(true);
  });
});
