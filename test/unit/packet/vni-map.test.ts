import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { DecodeResult, MAX_LAYERS, Layer } from '../../../shared/packet/result.ts';
import { parseVniMap } from '../../../shared/packet/vni-map.ts';

describe('parseVniMap()', () => {
  const want = new Map([[7, { session_id: 'tms-1', source_eni: 'eni-1', instance_id: 'i-1' }], [8, { session_id: 'tms-2', source_eni: 'eni-2' }]]);
  it.each([
    ['an object keyed by VNI', { 7: { session_id: 'tms-1', source_eni: 'eni-1', instance_id: 'i-1' }, 8: { session_id: 'tms-2', source_eni: 'eni-2' } }],
    ['an array', [{ vni: 7, session_id: 'tms-1', source_eni: 'eni-1', instance_id: 'i-1' }, { vni: '8', session_id: 'tms-2', source_eni: 'eni-2' }]],
    ['a {sessions: [...]} wrapper', { sessions: [{ vni: 7, session_id: 'tms-1', source_eni: 'eni-1', instance_id: 'i-1' }, { vni: 8, session_id: 'tms-2', source_eni: 'eni-2' }] }],
  ])('reads %s', (_n, raw) => {
    expect(parseVniMap(raw)).toEqual(want);
  });
  it("accepts the mirror manager's map (extra vpc_id/subnet_id/tags keys) and keeps the EVE mirror fields only", () => {
    const raw = { 7: { session_id: 'tms-1', source_eni: 'eni-1', instance_id: 'i-1', vpc_id: 'vpc-1', subnet_id: 'subnet-1', tags: { Name: 'web' } } };
    expect(parseVniMap(raw).get(7)).toEqual({ session_id: 'tms-1', source_eni: 'eni-1', instance_id: 'i-1' });
  });
  it('names the bad key in a ConfigError', () => {
    expect(() => parseVniMap({ 7: { session_id: 'tms-1' } }, 'vni.json')).toThrow(new ConfigError('vni.json: 7.source_eni: Invalid input: expected string, received undefined'));
  });
});

describe('DecodeResult', () => {
  it('flags packet.too_many_layers past MAX_LAYERS and keeps at most MAX_ANOMALIES', () => {
    const r = new DecodeResult();
    for (let i = 0; i < MAX_LAYERS; i++) expect(r.addLayer(Layer.vlan)).toBe(true);
    expect(r.addLayer(Layer.vlan)).toBe(false);
    expect(r.hasAnomaly('packet.too_many_layers')).toBe(true);
    for (let i = 0; i < 40; i++) r.addLayer(Layer.vlan);
    expect(r.anomalyCount).toBe(16);
    r.reset();
    expect(r.snapshot()).toEqual({ layers: [], anomalies: [], truncated: false });
  });
});
