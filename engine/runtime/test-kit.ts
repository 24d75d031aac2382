// Helpers for the runtime's unit tests: rules from YAML text, events at
// minute offsets, and alert changes as short strings. Test code only.

import { expect } from 'vitest';
import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import { compileRuleText, type CompiledRule, type CompileOptions } from '../rules/index.ts';
import { createRuleRuntime, type Runtime } from './runtime.ts';
import type { RuntimeOptions } from './api.ts';

/** 2026-07-01T00:00:00Z: minute, hour and day aligned, so window ends fall on whole minutes. */
export const T0 = Date.UTC(2026, 6, 1);
export const MIN = 60_000;

export function compile(yaml: string, opts: CompileOptions = {}): CompiledRule[] {
  const r = compileRuleText(yaml, 'test.yaml', opts);
  expect(r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([]);
  return r.rules;
}

export function runtimeFor(yaml: string, opts: Partial<RuntimeOptions> = {}, compileOpts: CompileOptions = {}): Runtime {
  return createRuleRuntime(compile(yaml, compileOpts), { now: () => 0, allowedLatenessMs: 0, ...opts });
}

let n = 0;

/** An event `min` minutes after T0. */
export function ev(min: number, fields: Partial<IocEvent> = {}): IocEvent {
  n++;
  return { id: `e${n}`, type: 'water.level', source: 's1', time: T0 + Math.round(min * MIN), attrs: {}, ...fields };
}

/** `state rule key @minutes`, the message in English when `withMessage`. */
export function show(a: Alert, withMessage = false): string {
  const at = (a.eventTime - T0) / MIN;
  return `${a.state} ${a.rule} ${a.key} @${at}` + (withMessage ? ` ${a.message.en}` : '');
}

/** Processes events (numbers advance the watermark to that minute) and returns the changes. */
export function run(rt: Runtime, steps: readonly (IocEvent | number)[], withMessage = false): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (typeof s === 'number') rt.advanceWatermark(T0 + s * MIN);
    else rt.process(s);
    for (const a of rt.takeChanges()) out.push(show(a, withMessage));
  }
  return out;
}
