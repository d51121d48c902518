/**
 * The image definition: Packer HCL2 (fmt + full offline validate with Debian's Packer 1.6.6), shellcheck on every
 * provisioning script, `systemd-analyze verify` on the unit (with no warnings), and the hardening and pins that the
 * image must carry. A missing tool skips its test with the tool's name (CI installs packer, shellcheck, systemd).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSensor } from '../../../sensor-ami/build/build.ts';
import { ROOT, SENSOR_AMI } from './helpers.ts';

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}
const run = (cmd: string, args: string[], cwd = SENSOR_AMI) => spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 60_000 });

const UNIT = join(SENSOR_AMI, 'rootfs/etc/systemd/system/vxlan-sensor.service');
const SCRIPTS = readdirSync(join(SENSOR_AMI, 'scripts')).filter((f) => f.endsWith('.sh'));

describe('Packer template', () => {
  const hasPacker = has('packer');
  // the template's file provisioners need a real bundle (packer validate stats them): build one for this test
  let bundleDir = '';
  beforeAll(async () => {
    if (!hasPacker) return;
    bundleDir = mkdtempSync(join(tmpdir(), 'nw-bundle-'));
    await buildSensor(bundleDir);
  }, 120_000);
  it.skipIf(!hasPacker)('is formatted (packer fmt -check) [needs packer]', () => {
    const r = run('packer', ['fmt', '-check', '.']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasPacker)('validates offline with the variables a build passes (packer validate) [needs packer]', () => {
    const r = run('packer', ['validate', '-var', `bundle_dir=${bundleDir}`, '-var', 'sensor_version=0.1.0', '-var', 'git_sha=0123456789abcdef', '.']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const arch of ['x86_64', 'arm64']) expect(run('packer', ['validate', '-var', `bundle_dir=${bundleDir}`, '-var', 'sensor_version=0.1.0', '-var', `arch=${arch}`, '.']).status).toBe(0);
  });

  it.skipIf(!hasPacker)('rejects an unknown architecture and a Node that is not 22 [needs packer]', () => {
    const bad = run('packer', ['validate', '-var', `bundle_dir=${bundleDir}`, '-var', 'sensor_version=0.1.0', '-var', 'arch=sparc', '.']);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('The arch value must be x86_64 or arm64.');
    const node20 = run('packer', ['validate', '-var', `bundle_dir=${bundleDir}`, '-var', 'sensor_version=0.1.0', '-var', 'node_version=20.19.0', '.']);
    expect(node20.status).not.toBe(0);
  });

  it('types and describes every variable, filters the source AMI by owner, encrypts gp3 and tags the versions', () => {
    // Prepare
    const vars = readFileSync(join(SENSOR_AMI, 'variables.pkr.hcl'), 'utf8');
    const source = readFileSync(join(SENSOR_AMI, 'source.pkr.hcl'), 'utf8');
    const build = readFileSync(join(SENSOR_AMI, 'build.pkr.hcl'), 'utf8');
    // Act
    const blocks = vars.split(/^variable /m).slice(1);
    // Assess
    expect(blocks.length).toBeGreaterThan(10);
    for (const b of blocks) {
      expect(b, b.split('\n')[0]).toMatch(/^\s+type\s+=/m);
      expect(b, b.split('\n')[0]).toMatch(/^\s+description\s+=\s+"[^"]{10,}"/m);
    }
    expect(source).toMatch(/owners\s+=\s+\[var\.source_ami_owner\]/);
    expect(vars).toContain('default     = "137112412989"');
    expect(source).toMatch(/volume_type\s+=\s+"gp3"/);
    expect(source).toMatch(/encrypted\s+=\s+true/);
    expect(source).toMatch(/encrypt_boot\s+=\s+true/);
    expect(source).toContain('{{ .SourceAMIName }}');
    for (const k of ['netwatch:version', 'netwatch:git-sha', 'netwatch:node-version']) expect(vars).toContain(`"${k}"`);
    expect(build).toMatch(/post-processor "manifest"/);
    expect(build).toContain('scripts/require-imdsv2.sh');
    // no required_plugins: Packer 1.6.6 rejects the block (docs/sensor-ami.md says how to pin on current Packer)
    expect(`${vars}${source}${build}`).not.toContain('required_plugins');
    // provisioning order: node, sensor, cleanup, then validate
    const order = ['install-node.sh', 'install-sensor.sh', 'cleanup.sh', 'validate.sh'].map((s) => build.indexOf(s));
    expect(order.every((i, n) => i > 0 && (n === 0 || i > (order[n - 1] as number)))).toBe(true);
  });

  it('pins the same Node 22 release as the project (package.json node devDependency)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const pinned = /node_version\s*=\s*"([^"]+)"/.exec(readFileSync(join(SENSOR_AMI, 'versions.auto.pkrvars.hcl'), 'utf8'))?.[1];
    expect(pinned).toBe(pkg.devDependencies.node);
  });
});

describe('provisioning scripts', () => {
  it('use strict shell options and check their environment', () => {
    expect(SCRIPTS.length).toBeGreaterThanOrEqual(5);
    for (const s of SCRIPTS) {
      const text = readFileSync(join(SENSOR_AMI, 'scripts', s), 'utf8');
      expect(text, s).toMatch(/^#!\/usr\/bin\/env bash\n/);
      expect(text, s).toContain('\nset -o errexit -o nounset -o pipefail\n');
      expect(text, s).toMatch(/\nvalidate_env_set [A-Z_ ]+\n/);
    }
  });

  it.skipIf(!has('shellcheck'))('pass shellcheck [needs shellcheck]', () => {
    const r = run('shellcheck', ['--severity=style', ...SCRIPTS.map((s) => join('scripts', s))]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('cleanup removes SSH host keys and authorized_keys, and validate checks both', () => {
    const cleanup = readFileSync(join(SENSOR_AMI, 'scripts/cleanup.sh'), 'utf8');
    const validate = readFileSync(join(SENSOR_AMI, 'scripts/validate.sh'), 'utf8');
    expect(cleanup).toContain('rm -f /etc/ssh/ssh_host_*');
    expect(cleanup).toContain('-name authorized_keys -type f -delete');
    expect(validate).toContain("compgen -G '/etc/ssh/ssh_host_*'");
    expect(validate).toContain('is-enabled vxlan-sensor.service');
  });
});

describe('rootfs/ overlay', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const directives = (k: string): string[] => [...unit.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1] as string);

  it('the unit runs unprivileged and hardened, without MemoryDenyWriteExecute (V8 JIT), restarting on failure', () => {
    expect(directives('User')).toEqual(['vxlan-sensor']);
    expect(directives('NoNewPrivileges')).toEqual(['yes']);
    expect(directives('ProtectSystem')).toEqual(['strict']);
    expect(directives('CapabilityBoundingSet')).toEqual(['']);
    expect(directives('RestrictAddressFamilies')).toEqual(['AF_INET AF_INET6 AF_UNIX']);
    expect(directives('SystemCallFilter')).toEqual(['@system-service']);
    expect(directives('Restart')).toEqual(['on-failure']);
    expect(directives('MemoryDenyWriteExecute')).toEqual([]);
    expect(unit).toMatch(/^# MemoryDenyWriteExecute deliberately omitted: V8/m);
    expect(directives('ExecStart')).toEqual(['/usr/bin/node /opt/vxlan-sensor/netwatch-sensor.mjs --config /etc/vxlan-sensor/config.json']);
  });

  it.skipIf(!has('systemd-analyze'))('passes systemd-analyze verify with no warnings, and the check can fail [needs systemd]', () => {
    // Prepare: a copy whose ExecStart binary is this Node (verify checks the binary exists and is executable; the
    // script argument it does not open)
    const dir = mkdtempSync(join(tmpdir(), 'unit-verify-'));
    const copy = join(dir, 'vxlan-sensor.service');
    writeFileSync(copy, unit.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    // Act
    const ok = run('systemd-analyze', ['verify', copy], dir);
    writeFileSync(copy, unit.replace('ProtectSystem=strict', 'ProtectSystem=strikt').replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    const typo = run('systemd-analyze', ['verify', copy], dir);
    // Assess: parse problems are warnings with exit 0, so the output must be empty too
    expect(ok.stderr + ok.stdout).toBe('');
    expect(ok.status).toBe(0);
    expect(typo.stderr).toContain('Failed to parse protect system value');
  });

  it('raises the UDP receive buffer cap to at least what the config asks for', () => {
    const sysctl = readFileSync(join(SENSOR_AMI, 'rootfs/etc/sysctl.d/90-vxlan-sensor.conf'), 'utf8');
    const cfg = JSON.parse(readFileSync(join(SENSOR_AMI, 'rootfs/etc/vxlan-sensor/config.json'), 'utf8')) as { rcvbuf: number };
    const max = Number(/^net\.core\.rmem_max = (\d+)$/m.exec(sysctl)?.[1]);
    expect(Number(/^net\.core\.rmem_default = (\d+)$/m.exec(sysctl)?.[1])).toBeGreaterThan(212992);
    expect(max).toBeGreaterThanOrEqual(cfg.rcvbuf);
  });

  it('the CloudWatch agent ships the EMF file and the log file the unit writes', () => {
    const cw = JSON.parse(readFileSync(join(SENSOR_AMI, 'rootfs/opt/aws/amazon-cloudwatch-agent/etc/vxlan-sensor.json'), 'utf8')) as {
      logs: { logs_collected: { files: { collect_list: { file_path: string; log_group_name: string }[] } } };
    };
    const files = cw.logs.logs_collected.files.collect_list.map((c) => c.file_path).sort();
    const written = [...directives('StandardOutput'), ...directives('StandardError')].map((d) => d.replace(/^append:/, '')).sort();
    expect(files).toEqual(written);
  });
});
