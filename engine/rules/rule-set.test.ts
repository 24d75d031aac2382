import { describe, expect, it } from 'vitest';
import { compileRuleText, type CompiledRule } from './compile.ts';
import { RuleSet, typeMatches } from './rule-set.ts';

function rules(...specs: { id: string; on: string | string[]; enabled?: boolean }[]): CompiledRule[] {
  const text = specs
    .map((s) => `- id: ${s.id}\n  title: { vi: t, en: t }\n  on: ${JSON.stringify(s.on)}\n  severity: info\n  enabled: ${s.enabled ?? true}\n`)
    .join('');
  const r = compileRuleText(text, 'x.yaml');
  expect(r.diagnostics).toEqual([]);
  return r.rules;
}

const ids = (list: readonly CompiledRule[]) => list.map((r) => r.id);

describe('typeMatches', () => {
  it('matches exact types and `*` globs over whole types, dots included', () => {
    expect(typeMatches('water.level', 'water.level')).toBe(true);
    expect(typeMatches('water.level', 'water.levels')).toBe(false);
    expect(typeMatches('aq.*', 'aq.pm25')).toBe(true);
    expect(typeMatches('aq.*', 'aq.pm25.raw')).toBe(true);
    expect(typeMatches('aq.*', 'aqx.pm25')).toBe(false);
    expect(typeMatches('aq.*', 'aq')).toBe(false);
    expect(typeMatches('*', 'service.hotline')).toBe(true);
    expect(typeMatches('*.level', 'water.level')).toBe(true);
    expect(typeMatches('service.*_overdue', 'service.dossier_overdue')).toBe(true);
  });
});

describe('RuleSet', () => {
  const set = new RuleSet(
    rules(
      { id: 'all.any', on: '*' },
      { id: 'aq.pm25', on: 'aq.pm25' },
      { id: 'aq.any', on: 'aq.*' },
      { id: 'flood.level', on: ['water.level', 'weather.rain'] },
      { id: 'flood.off', on: 'water.level', enabled: false },
      { id: 'aq.twice', on: ['aq.pm25', 'aq.*', 'aq.pm25'] },
    ),
  );

  it('returns the rules that watch a type, in load order', () => {
    expect(ids(set.rulesFor('aq.pm25'))).toEqual(['all.any', 'aq.pm25', 'aq.any', 'aq.twice']);
    expect(ids(set.rulesFor('aq.pm10'))).toEqual(['all.any', 'aq.any', 'aq.twice']);
    expect(ids(set.rulesFor('water.level'))).toEqual(['all.any', 'flood.level']);
    expect(ids(set.rulesFor('weather.rain'))).toEqual(['all.any', 'flood.level']);
    expect(ids(set.rulesFor('traffic.speed'))).toEqual(['all.any']);
  });

  it('returns the same array for a type on every call (matched once, cached)', () => {
    expect(set.rulesFor('aq.pm10')).toBe(set.rulesFor('aq.pm10'));
  });

  it('never returns disabled rules, but knows them by id', () => {
    expect(ids(set.rulesFor('water.level'))).not.toContain('flood.off');
    expect(set.get('flood.off')?.enabled).toBe(false);
    expect(set.activeIds()).toEqual(new Set(['all.any', 'aq.pm25', 'aq.any', 'flood.level', 'aq.twice']));
    expect(set.rules).toHaveLength(6);
  });

  it('answers exact types from the map when there are no globs', () => {
    const exact = new RuleSet(rules({ id: 'a.x', on: 'water.level' }, { id: 'a.y', on: 'weather.rain' }));
    expect(ids(exact.rulesFor('water.level'))).toEqual(['a.x']);
    expect(exact.rulesFor('nothing.here')).toEqual([]);
  });
});
