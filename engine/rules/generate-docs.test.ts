import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN_MARKER, END_MARKER, renderReference, RULES_DOC_PATH, updateRulesDoc } from './generate-docs.ts';
import { celFunctions } from './functions.ts';
import { ruleSchema } from './schema.ts';

describe('docs/rules.md', () => {
  it('is up to date with the schema (run `npx tsx engine/rules/generate-docs.ts`)', () => {
    const current = readFileSync(RULES_DOC_PATH, 'utf8');
    expect(updateRulesDoc(current)).toBe(current);
  });
});

describe('renderReference', () => {
  const reference = renderReference();

  it('documents every rule key, with an example, and every function', () => {
    for (const key of Object.keys(ruleSchema.shape)) {
      expect(reference).toContain(`#### \`${key}\``);
      const section = reference.slice(reference.indexOf(`#### \`${key}\``)).split('\n#### ')[0]!;
      expect(section, key).toContain('Example:');
    }
    for (const f of celFunctions) expect(reference).toContain(`| \`${f.name}(`);
  });

  it('states types, requirement and defaults from the schema', () => {
    expect(reference).toContain('#### `severity`\n\nType: one of `info`, `minor`, `major`, `critical` · required');
    expect(reference).toContain('#### `groupBy`\n\nType: list of string or map of string to string · default: `["e.source"]`');
    expect(reference).toContain('#### `where`\n\nType: string · optional');
  });
});

describe('updateRulesDoc', () => {
  it('replaces only the text between the markers', () => {
    const doc = `# Guide\n\nhand-written\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\nafter\n`;
    const next = updateRulesDoc(doc);
    expect(next.startsWith('# Guide\n\nhand-written\n\n' + BEGIN_MARKER)).toBe(true);
    expect(next.endsWith(END_MARKER + '\n\nafter\n')).toBe(true);
    expect(next).not.toContain('\nold\n');
    expect(updateRulesDoc(next)).toBe(next);
  });

  it('appends the section when the markers are missing', () => {
    expect(updateRulesDoc('# Guide\n')).toBe(`# Guide\n\n${BEGIN_MARKER}\n\n${renderReference()}\n${END_MARKER}\n`);
  });
});
