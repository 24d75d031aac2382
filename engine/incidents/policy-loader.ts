// Loads `rules/policies/*.yaml` into one checked policy set: schema problems
// and broken cross-references (unknown receivers, duplicate ids, bad cron
// expressions or templates) become diagnostics at file:line:column. A missing
// directory is no error: the engine then runs the default policy alone.

import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkTemplate, type ReceiverConfig } from '../notify/index.ts';
import { nodeAt, parseYaml, startOf, validateNode, type Path, type RuleDiagnostic } from '../rules/index.ts';
import { checkSchedule } from '../schedule/index.ts';
import { compileMatchers, type AlertPredicate } from './matchers.ts';
import type { Silence } from './model.ts';
import { policyFileSchema, type FlappingConfig, type InhibitConfig, type PolicyConfig, type SopConfig } from './policy-schema.ts';

export interface CompiledPolicy extends PolicyConfig {
  matches: AlertPredicate;
}

export interface CompiledInhibit extends InhibitConfig {
  sourceMatches?: AlertPredicate;
  targetMatches: AlertPredicate;
}

/** Everything incident management is configured with. */
export interface PolicySet {
  /** In file order; the first that matches an alert wins; `defaultPolicy` catches the rest. */
  policies: CompiledPolicy[];
  inhibit: CompiledInhibit[];
  sops: Map<string, SopConfig>;
  receivers: ReceiverConfig[];
  /** Silences kept as code (ids `policy:<id>`). */
  maintenance: Silence[];
  flapping: FlappingConfig;
}

export const DEFAULT_FLAPPING: FlappingConfig = { window: 60 * 60_000, starts: 4 };

/** Alerts no policy claims: one incident per rule family and zone, no notifications. */
export const defaultPolicy: CompiledPolicy = {
  id: 'default',
  type: 'general',
  match: {},
  groupBy: ['family', 'zone'],
  neighbours: false,
  span: 30 * 60_000,
  groupWait: 30_000,
  groupInterval: 5 * 60_000,
  notify: [],
  autoResolve: false,
  escalation: [],
  matches: () => true,
};

export function emptyPolicySet(): PolicySet {
  return { policies: [], inhibit: [], sops: new Map(), receivers: [], maintenance: [], flapping: DEFAULT_FLAPPING };
}

export interface PolicyLoadResult {
  policies: PolicySet;
  diagnostics: RuleDiagnostic[];
}

const isPolicyFile = (name: string) => /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name);

/**
 * Reads every policy file of `dir` (usually `rules/policies`).
 *
 * @example
 * const { policies, diagnostics } = await loadPolicyDir('rules/policies');
 */
export async function loadPolicyDir(dir: string): Promise<PolicyLoadResult> {
  const root = resolve(dir);
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isFile() && isPolicyFile(d.name)).map((d) => d.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { policies: emptyPolicySet(), diagnostics: [] };
    return { policies: emptyPolicySet(), diagnostics: [{ file: root, line: 1, column: 1, message: `cannot read the policies directory: ${(err as Error).message}` }] };
  }
  const sources: { file: string; text: string }[] = [];
  const diagnostics: RuleDiagnostic[] = [];
  for (const name of names) {
    const file = join(root, name);
    try {
      sources.push({ file, text: await readFile(file, 'utf8') });
    } catch (err) {
      diagnostics.push({ file, line: 1, column: 1, message: `cannot read the file: ${(err as Error).message}` });
    }
  }
  const r = compilePolicySources(sources);
  return { policies: r.policies, diagnostics: [...diagnostics, ...r.diagnostics] };
}

/** Compiles policy sources (file name and text) into one set; used by the loader and by tests. */
export function compilePolicySources(sources: readonly { file: string; text: string }[]): PolicyLoadResult {
  const set = emptyPolicySet();
  const diagnostics: RuleDiagnostic[] = [];
  const seen = new Map<string, string>();
  const refs: { receiver: string; at: () => RuleDiagnostic }[] = [];
  let flappingSet = false;

  for (const { file, text } of sources) {
    const parsed = parseYaml(text, file);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.doc || !parsed.doc.contents) continue;
    const root = parsed.doc.contents;
    const v = validateNode(policyFileSchema, root, parsed.doc, parsed.src);
    if (!v.ok) {
      diagnostics.push(...v.diagnostics);
      continue;
    }
    const at = (path: Path, message: string): RuleDiagnostic => parsed.src.diagnostic(startOf(nodeAt(root, path)), message);
    const unique = (kind: string, id: string, path: Path) => {
      const k = `${kind}:${id}`;
      const first = seen.get(k);
      if (first) diagnostics.push(at(path, `duplicate ${kind} id \`${id}\`; it is already used at ${first}`));
      else {
        const d = at(path, '');
        seen.set(k, `${d.file}:${d.line}:${d.column}`);
      }
    };
    const f = v.value;
    f.policies.forEach((p, i) => {
      unique('policy', p.id, ['policies', i, 'id']);
      p.notify.forEach((r, j) => refs.push({ receiver: r, at: () => at(['policies', i, 'notify', j], '') }));
      p.escalation.forEach((s, j) => s.notify.forEach((r, k) => refs.push({ receiver: r, at: () => at(['policies', i, 'escalation', j, 'notify', k], '') })));
      if (p.neighbours && !p.groupBy.includes('zone')) diagnostics.push(at(['policies', i, 'neighbours'], '`neighbours: true` needs `zone` in groupBy'));
      set.policies.push({ ...p, matches: compileMatchers(p.match) });
    });
    f.inhibit.forEach((h, i) => {
      unique('inhibit', h.id, ['inhibit', i, 'id']);
      if (h.source.incidentTypes?.length && h.equal.some((l) => l !== 'zone')) {
        diagnostics.push(at(['inhibit', i, 'equal'], 'an incident source can only be compared on `zone`'));
      }
      set.inhibit.push({ ...h, ...(h.source.alerts ? { sourceMatches: compileMatchers(h.source.alerts) } : {}), targetMatches: compileMatchers(h.target) });
    });
    f.sops.forEach((s, i) => {
      unique('sop', s.type, ['sops', i, 'type']);
      s.escalate.forEach((r, j) => refs.push({ receiver: r, at: () => at(['sops', i, 'escalate', j], '') }));
      set.sops.set(s.type, s);
    });
    f.receivers.forEach((r, i) => {
      unique('receiver', r.name, ['receivers', i, 'name']);
      for (const part of ['title', 'body'] as const) {
        const t = r[part];
        if (!t) continue;
        for (const lang of ['vi', 'en'] as const) {
          const text = t[lang];
          const unknown = text === undefined ? [] : checkTemplate(text);
          if (unknown.length > 0) diagnostics.push(at(['receivers', i, part, lang], `unknown placeholder(s) ${unknown.map((u) => `{{${u}}}`).join(', ')}`));
        }
      }
      set.receivers.push(r);
    });
    f.maintenance.forEach((m, i) => {
      unique('maintenance', m.id, ['maintenance', i, 'id']);
      const startsAt = m.startsAt === undefined ? 0 : Date.parse(m.startsAt);
      const endsAt = m.endsAt === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(m.endsAt);
      if (Number.isNaN(startsAt)) diagnostics.push(at(['maintenance', i, 'startsAt'], 'must be an ISO time like 2026-12-01T00:00:00+07:00'));
      if (Number.isNaN(endsAt)) diagnostics.push(at(['maintenance', i, 'endsAt'], 'must be an ISO time like 2026-12-31T00:00:00+07:00'));
      if (endsAt <= startsAt) diagnostics.push(at(['maintenance', i, 'endsAt'], 'must be after startsAt'));
      const schedule = m.schedule ? { cron: m.schedule.cron, durationMs: m.schedule.duration, timezone: m.schedule.timezone } : undefined;
      if (schedule) {
        const problem = checkSchedule(schedule);
        if (problem) diagnostics.push(at(['maintenance', i, 'schedule'], problem));
      }
      set.maintenance.push({
        id: `policy:${m.id}`,
        matchers: m.matchers,
        startsAt,
        endsAt,
        ...(schedule ? { schedule } : {}),
        createdBy: m.createdBy,
        reason: m.reason,
        createdAt: 0,
      });
    });
    if (f.flapping) {
      if (flappingSet) diagnostics.push(at(['flapping'], '`flapping` is set in more than one policy file'));
      set.flapping = f.flapping;
      flappingSet = true;
    }
  }
  const receivers = new Set(set.receivers.map((r) => r.name));
  for (const ref of refs) {
    if (receivers.has(ref.receiver)) continue;
    const d = ref.at();
    diagnostics.push({ ...d, message: `unknown receiver \`${ref.receiver}\`; known: ${[...receivers].join(', ') || '(none: declare them under `receivers:`)'}` });
  }
  diagnostics.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
  return { policies: set, diagnostics };
}
