import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_VARS } from '../notify/index.ts';
import { EXAMPLE_POLICY_FILE, INCIDENTS_DOC_PATH, renderIncidentsDoc, renderReference } from './generate-docs.ts';
import { compilePolicySources } from './policy-loader.ts';
import { policyFileSchema } from './policy-schema.ts';

describe('docs/incidents.md', () => {
  it('is up to date with the schema (run `npx tsx engine/incidents/generate-docs.ts`)', () => {
    expect(readFileSync(INCIDENTS_DOC_PATH, 'utf8')).toBe(renderIncidentsDoc());
  });

  it('shows an example file that loads without errors and uses every section', () => {
    const { policies, diagnostics } = compilePolicySources([{ file: 'example.yaml', text: EXAMPLE_POLICY_FILE }]);
    expect(diagnostics).toEqual([]);
    expect(policies.policies.map((p) => p.id)).toEqual(['flood', 'air-quality']);
    expect(policies.inhibit.length).toBeGreaterThan(0);
    expect(policies.sops.has('flood')).toBe(true);
    expect(policies.receivers.map((r) => (r.webhook ? 'webhook' : 'nats'))).toContain('webhook');
    expect(policies.maintenance.some((m) => m.schedule)).toBe(true);
    expect(renderIncidentsDoc()).toContain('```yaml\n' + EXAMPLE_POLICY_FILE.trimEnd() + '\n```');
  });

  it('lists every template variable', () => {
    const doc = renderIncidentsDoc();
    for (const v of NOTIFICATION_VARS) expect(doc).toContain(`| \`{{${v}}}\` |`);
  });
});

describe('renderReference', () => {
  const reference = renderReference();

  it('documents every key of every section of a policy file', () => {
    expect(reference).toContain('### The file');
    for (const key of Object.keys(policyFileSchema.shape)) expect(reference).toContain(`| \`${key}\` |`);
    for (const section of ['policies[]', 'policies[].escalation[]', 'inhibit[]', 'inhibit[].source', 'sops[]', 'sops[].steps[]', 'receivers[]', 'receivers[].webhook', 'receivers[].nats', 'maintenance[]', 'maintenance[].schedule', 'flapping']) {
      expect(reference).toContain(`### \`${section}\``);
    }
  });

  it('writes durations and their defaults as a policy file does', () => {
    expect(reference).toContain('| `span` | duration | `30m` |');
    expect(reference).toContain('| `groupWait` | duration | `30s` |');
    expect(reference).toContain('| `after` | duration | required |');
    expect(reference).toContain('| `window` | duration | `1h` |');
    expect(reference).toContain('after: 10m');
  });

  it('refers shared matchers to one section instead of repeating them', () => {
    expect(reference).toContain('| `match` | matchers (see [Matchers](#matchers)) | required |');
    expect(reference).toContain('| `target` | matchers (see [Matchers](#matchers)) | required |');
    expect(reference.match(/\| `rules` \|/g)).toHaveLength(1);
  });
});
