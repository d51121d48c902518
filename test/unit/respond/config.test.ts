import { describe, expect, it } from 'vitest';
import { cachedConfig, isLocalMode } from '../../../functions/nacl-responder/deps.ts';
import { mirrorPolicy } from '../../../functions/mirror-manager/manage.ts';
import { parseConfig } from '../../../shared/config/load.ts';

describe('responder/mirror config and mode', () => {
  it('NETWATCH_CONFIG_JSON wins over the file and bad values name the key', async () => {
    const c = await cachedConfig('does-not-exist.yml', { NETWATCH_CONFIG_JSON: '{"responder":{"enabled":true,"ruleBand":[5,9],"quotaPerDirection":40}}' });
    expect([c.responder.enabled, c.responder.ruleBand, c.responder.quotaPerDirection, c.responder.minPrefixV6]).toEqual([true, [5, 9], 40, 48]);
    await expect(cachedConfig('x.yml', { NETWATCH_CONFIG_JSON: '{"responder":{"minPrefixV4":33}}' })).rejects.toThrowError(/responder\.minPrefixV4/);
    await expect(cachedConfig('x.yml', { NETWATCH_CONFIG_JSON: '{' })).rejects.toThrowError('NETWATCH_CONFIG_JSON: not valid JSON');
    await expect(cachedConfig('/nonexistent/netwatch.config.yml', {})).rejects.toThrowError('/nonexistent/netwatch.config.yml: cannot read config file');
  });

  it('local mode: explicit switch, else local outside Lambda', () => {
    expect([isLocalMode({ NETWATCH_LOCAL: '1', AWS_LAMBDA_FUNCTION_NAME: 'f' }), isLocalMode({ NETWATCH_LOCAL: '0' }), isLocalMode({}), isLocalMode({ AWS_LAMBDA_FUNCTION_NAME: 'f' })]).toEqual([true, false, true, false]);
  });

  it('mirror policy: env overrides the config; no filter id means a managed preset filter', () => {
    const cfg = parseConfig({ mirroring: { targetId: 'tmt-cfg', filterId: 'tmf-cfg', packetLength: 128 } });
    expect(mirrorPolicy(cfg, { MIRROR_TARGET_ID: 'tmt-env' })).toMatchObject({ targetId: 'tmt-env', filterId: 'tmf-cfg', packetLength: 128, sessionNumber: 10, vniBase: 1000 });
    expect(mirrorPolicy(parseConfig({ mirroring: { targetId: 'tmt-1' } }), {}).filterId).toBeUndefined();
    expect(() => parseConfig({ mirroring: { packetLength: 9000 } })).toThrowError(/mirroring\.packetLength/);
  });
});
