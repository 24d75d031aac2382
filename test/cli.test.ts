// The `ioc` command as a user runs it: a real process, real files, exit codes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './harness/engine.ts';

function ioc(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'engine/cli/bin.mjs'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, IOC_RULES_DIR: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ioc rules', () => {
  it('validate exits 0 on the example pack', () => {
    const r = ioc('rules', 'validate', 'rules');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^\d+ rules in rules: OK/);
    expect(r.code).toBe(0);
  });

  it('validate prints file:line:column for each error and exits non-zero', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioc-cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, [
      'rules:',
      '  - id: flood.typo',
      '    title: { vi: "Ngập", en: "Flood" }',
      '    on: water.level',
      '    where: e.valu >= 2.0',
      '    severity: critical',
      '  - id: aq.bad-severity',
      '    title: { vi: "Bụi", en: "Dust" }',
      '    on: aq.pm25',
      '    severity: urgent',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'syntax.yaml'), 'rules:\n  - id: a.b\n    title: { vi: "x", en: "y"\n');
    const r = ioc('rules', 'validate', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:5:14: where: the event has no field \`valu\``);
    expect(r.err).toContain(`${file}:10:15: severity must be one of info, minor, major, critical`);
    expect(r.err).toMatch(new RegExp(`${join(dir, 'syntax.yaml').replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
  });

  it('validate checks the incident policies beside the rules, with file:line:column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioc-cli-'));
    writeFileSync(join(dir, 'flood.yaml'), 'rules:\n  - id: flood.x\n    title: { vi: "Ngập", en: "Flood" }\n    on: water.level\n    where: e.value > 2.0\n    severity: major\n');
    mkdirSync(join(dir, 'policies'));
    const file = join(dir, 'policies', 'city.yaml');
    writeFileSync(file, [
      'policies:',
      '  - id: flood',
      '    type: flood',
      '    match: { rules: ["flood.*"] }',
      '    groupWait: soon',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'policies', 'notify.yaml'), 'policies:\n  - id: air\n    type: air\n    match: { rules: ["aq.*"] }\n    notify: [drainage]\n');
    const r = ioc('rules', 'validate', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:5:16: policies[0].groupWait must be a duration like \`30s\``);
    expect(r.err).toContain(`${join(dir, 'policies', 'notify.yaml')}:5:14: unknown receiver \`drainage\``);
  });

  it('test fails a wrong expectation with a readable diff and the case position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioc-cli-'));
    writeFileSync(join(dir, 'flood.yaml'), [
      'rules:',
      '  - id: flood.critical',
      '    title: { vi: "Ngập", en: "Flood" }',
      '    on: water.level',
      '    where: e.value >= 2.0',
      '    severity: critical',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'flood.test.yaml'), [
      'tests:',
      '  - name: a deliberately wrong severity',
      '    events:',
      '      - { time: +0m, type: water.level, source: wl-a, value: 2.5 }',
      '    expect:',
      '      - { rule: flood.critical, key: wl-a, state: firing, severity: major }',
      '',
    ].join('\n'));
    const r = ioc('rules', 'test', dir);
    expect(r.code).toBe(1);
    const out = r.out + r.err;
    expect(out).toContain(`${join(dir, 'flood.test.yaml')}:2:`);
    expect(out).toContain('a deliberately wrong severity');
    expect(out).toMatch(/major/);
    expect(out).toMatch(/critical/);
    expect(out).toMatch(/0 passed, 1 failed/);
  });

  it('test runs the rule tests of the example pack', () => {
    const r = ioc('rules', 'test', 'rules');
    expect(r.out).toMatch(/\d+ passed, 0 failed/);
    expect(r.code).toBe(0);
  });
});

describe('ioc start', () => {
  it('refuses a broken configuration with where and why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioc-cli-'));
    writeFileSync(join(dir, 'ioc.yaml'), 'http:\n  prot: 8080\n');
    const r = ioc('start', '--config', join(dir, 'ioc.yaml'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${join(dir, 'ioc.yaml')}:2:3: unknown key http.prot`);
  });
});
