// Reports rules that fail on events: every failure is counted per rule, and
// logged with the rule and event ids, at most once per rule per interval (with
// how many were not logged), so one broken rule cannot flood the log.

import { errorMessage } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';

export function ruleErrorReporter(log: Logger, metrics: Metrics, now: () => number, intervalMs = 10_000) {
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  return (ruleId: string, event: { id: string; source: string } | undefined, err: unknown): void => {
    metrics.ruleErrors.labels(ruleId).inc();
    const t = now();
    const seen = lastLogged.get(ruleId);
    if (seen && t - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    lastLogged.set(ruleId, { at: t, suppressed: 0 });
    log.warn(
      { rule: ruleId, event: event?.id, source: event?.source, err: errorMessage(err), notLogged: seen?.suppressed ?? 0 },
      `rule ${ruleId} failed on event ${event?.id ?? '(none)'}: ${errorMessage(err)}; the rule keeps running for other events`,
    );
  };
}
