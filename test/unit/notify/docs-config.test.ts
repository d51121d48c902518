import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../../shared/config/load.ts';

describe('docs/notifications.md', () => {
  it('its example config validates against the schema', () => {
    // Prepare
    const md = readFileSync(join(import.meta.dirname, '../../../docs/notifications.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(md)?.[1];
    // Act
    const cfg = parseConfig(parse(yaml ?? 'missing: true'), 'docs/notifications.md');
    // Assess
    expect(Object.keys(cfg.channels)).toEqual(['ops-slack', 'ops-bot', 'ops-ding', 'ops-feishu', 'ops-wecom', 'ops-mail']);
    expect(cfg.routes).toHaveLength(3);
    expect(cfg.alarms.rules.map((r) => r.severity)).toEqual(['high', 'high', 'critical']);
    expect(cfg.cloudtrail.rules.map((r) => r.action)).toEqual(['ignore', 'notify']);
  });

  it('a bad key is named in the error', () => {
    expect(() => parseConfig({ notify: { flapping: { windowMinutes: 0 } } }, 'x')).toThrow(/^x: invalid config: notify\.flapping\.windowMinutes: /);
    expect(() => parseConfig({ cloudtrail: { consoleSignIn: 'sometimes' } }, 'x')).toThrow(/cloudtrail\.consoleSignIn/);
  });
});
