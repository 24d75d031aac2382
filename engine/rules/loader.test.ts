import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDiagnostic } from './diagnostic.ts';
import { isRulesFile, loadRulesDir } from './loader.ts';

const rule = (id: string) => `- id: ${id}\n  title: { vi: t, en: t }\n  on: water.level\n  severity: info\n`;

describe('loadRulesDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ioc-rules-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads *.yaml and *.yml in name order, not tests, not subfolders, not other files', async () => {
    await writeFile(join(dir, 'b.yaml'), rule('b.one'));
    await writeFile(join(dir, 'a.yml'), rule('a.one') + rule('a.two'));
    await writeFile(join(dir, 'a.test.yaml'), 'not: rules');
    await writeFile(join(dir, 'notes.md'), '# not rules');
    await mkdir(join(dir, 'registry'));
    await writeFile(join(dir, 'registry', 'c.csv'), 'id,type\nwl-1,water.level\n');
    const r = await loadRulesDir(dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.rules.map((x) => x.id)).toEqual(['a.one', 'a.two', 'b.one']);
    expect(r.rules[2]!.origin).toEqual({ file: join(dir, 'b.yaml'), line: 1, column: 7 });
    expect([...r.tables.keys()]).toEqual(['c']);
  });

  it('compiles rules against the tables of reference/ and registry/, and reports broken tables', async () => {
    await mkdir(join(dir, 'reference'));
    await writeFile(join(dir, 'reference', 'limits.yaml'), 'key: zone\nrows:\n  - { zone: "*", high: 2.0 }\n  - { zone: hk, high: 1.5 }\n');
    await writeFile(join(dir, 'a.yaml'), rule('a.one') + '  where: e.value >= ref("limits", e.zone).high\n');
    await writeFile(join(dir, 'b.yaml'), rule('b.one') + '  where: e.value >= ref("limits", e.zone).hihg\n');
    const r = await loadRulesDir(dir);
    expect(r.rules.map((x) => x.id)).toEqual(['a.one']);
    expect(r.diagnostics.map((d) => `${d.file.slice(dir.length + 1)}:${d.line}:${d.column}: ${d.message}`)).toEqual([
      'b.yaml:5:43: where: table `limits` has no column `hihg` (did you mean `high`?)',
    ]);
    const a = r.rules[0]!;
    expect(a.matches({ id: '1', type: 'water.level', source: 's', time: 0, zone: 'hk', value: 1.6, attrs: {} })).toBe(true);
    expect(a.matches({ id: '2', type: 'water.level', source: 's', time: 0, zone: 'ba-dinh', value: 1.6, attrs: {} })).toBe(false);
    await writeFile(join(dir, 'reference', 'limits.yaml'), 'key: zone\nrows:\n  - { zone: hk, high: 1.5 }\n  - { zone: hk, high: 2.5 }\n');
    expect((await loadRulesDir(dir)).diagnostics.map((d) => `${d.file.slice(dir.length + 1)}:${d.line}:${d.column}: ${d.message}`)).toContain(
      'reference/limits.yaml:4:5: duplicate key (hk); the same key is on line 3',
    );
  });

  it('reports every problem of every file', async () => {
    await writeFile(join(dir, 'a.yaml'), rule('a.one').replace('severity: info', 'severity: bad'));
    await writeFile(join(dir, 'b.yaml'), 'id: [\n');
    await writeFile(join(dir, 'c.yaml'), rule('c.one'));
    const r = await loadRulesDir(dir);
    expect(r.rules.map((x) => x.id)).toEqual(['c.one']);
    expect(r.diagnostics.map((d) => `${d.file.slice(dir.length + 1)}:${d.line}:${d.column}`)).toEqual(['a.yaml:4:13', 'b.yaml:2:1']);
  });

  it('names both places of an id used in two files, and keeps the first', async () => {
    await writeFile(join(dir, 'a.yaml'), rule('flood.x'));
    await writeFile(join(dir, 'b.yaml'), rule('other.y') + rule('flood.x'));
    const r = await loadRulesDir(dir);
    expect(r.rules.map((x) => `${x.id}@${x.origin.file.slice(dir.length + 1)}`)).toEqual(['flood.x@a.yaml', 'other.y@b.yaml']);
    // The first place is printed relative to the process cwd, which the temp dir is outside of.
    expect(r.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([`b.yaml:5:7: duplicate rule id \`flood.x\`; it is already used at ${join(dir, 'a.yaml')}:1:7`]);
  });

  it('reports a missing directory as a diagnostic', async () => {
    const r = await loadRulesDir(join(dir, 'nope'));
    expect(r.rules).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toMatch(/^cannot read the rules directory: ENOENT/);
  });
});

describe('isRulesFile', () => {
  it('takes YAML files that are not tests', () => {
    expect(['a.yaml', 'a.yml', 'a.test.yaml', 'a.test.yml', 'a.json', 'a.yaml.bak'].filter(isRulesFile)).toEqual(['a.yaml', 'a.yml']);
  });
});
