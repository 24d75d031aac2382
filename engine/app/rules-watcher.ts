// Hot reload: watches the rules directory, reloads after a quiet moment, and
// applies only what validates. A file that fails keeps its previous rules
// running and says why; the other files' changes still apply. Never throws:
// a reload that cannot be applied is logged and counted, and the engine goes on.

import { watch, type FSWatcher } from 'node:fs';
import { errorMessage } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { formatDiagnostic, type CompiledRule, type LoadResult } from '../rules/index.ts';

export interface RulesWatcherOptions {
  dir: string;
  /** Loads and validates every file of the directory. */
  load(): Promise<LoadResult>;
  /** Puts a rule list in force; returns a one-line summary for the log. */
  apply(rules: CompiledRule[]): string;
  /** The rules in force now (the last good version of every file). */
  current(): readonly CompiledRule[];
  log: Logger;
  onResult?(ok: boolean): void;
  /** Quiet time after the last change before reloading, ms. */
  debounceMs?: number;
}

/**
 * The rules to run after a reload: every file that validated contributes its
 * new rules; a file with errors keeps the rules it had.
 */
export function mergeReload(previous: readonly CompiledRule[], loaded: LoadResult): CompiledRule[] {
  const broken = new Set(loaded.diagnostics.map((d) => d.file));
  const kept = previous.filter((r) => broken.has(r.origin.file));
  const fresh = loaded.rules.filter((r) => !broken.has(r.origin.file));
  // A rule whose id moved from a broken file to a good one runs once, from the good file.
  const ids = new Set(fresh.map((r) => r.id));
  return [...fresh, ...kept.filter((r) => !ids.has(r.id))];
}

export class RulesWatcher {
  private watcher: FSWatcher | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: RulesWatcherOptions) {}

  start(): void {
    try {
      this.watcher = watch(this.o.dir, { recursive: true }, () => this.schedule());
      this.watcher.on('error', (err) => this.o.log.warn({ err: errorMessage(err), dir: this.o.dir }, 'watching rules failed; hot reload is off'));
    } catch (err) {
      this.o.log.warn({ err: errorMessage(err), dir: this.o.dir }, 'cannot watch the rules directory; hot reload is off');
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.reload());
    }, this.o.debounceMs ?? 300);
  }

  /** Reloads now (also what a file change triggers). Resolves when applied or refused. */
  async reload(): Promise<void> {
    try {
      const loaded = await this.o.load();
      for (const d of loaded.diagnostics) this.o.log.error({ file: d.file, line: d.line, column: d.column }, `rule reload: ${formatDiagnostic(d)}`);
      const rules = mergeReload(this.o.current(), loaded);
      const summary = this.o.apply(rules);
      const brokenFiles = new Set(loaded.diagnostics.map((d) => d.file)).size;
      if (brokenFiles > 0) this.o.log.warn(`rules reloaded with ${brokenFiles} file(s) kept at their previous version because of errors; ${summary}`);
      else this.o.log.info(`rules reloaded: ${summary}`);
      this.o.onResult?.(brokenFiles === 0);
    } catch (err) {
      this.o.log.error({ err: errorMessage(err) }, 'rule reload failed; the previous rules keep running');
      this.o.onResult?.(false);
    }
  }

  /** Resolves once any reload in progress (or scheduled) has run. */
  async settle(): Promise<void> {
    while (this.timer !== undefined) await new Promise((r) => setTimeout(r, 20));
    await this.running;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
  }
}
