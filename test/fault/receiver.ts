// The fault suite's webhook receiver: answers 200 and records each
// notification; or, while hanging, accepts the request and never answers (the
// engine's timeout gives up on it; its socket is cut when the hang ends); or,
// while slow, answers 200 only after a delay. A request is a delivery only
// when answered: a hung one was never taken.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Received {
  /** The `idempotency-key` header: the notification id. */
  key: string;
  reason: string;
  incidentId: string;
  /** Answered 200 (delivered); false while held, and for good when hung. */
  answered: boolean;
  /** Wall time the request arrived. */
  at: number;
}

export class HangingReceiver {
  readonly got: Received[] = [];
  private server: Server | undefined;
  private mode: { kind: 'answer' } | { kind: 'hang' } | { kind: 'slow'; delayMs: number } = { kind: 'answer' };
  private held: ServerResponse[] = [];
  /** Wall time of the last request, to tell when deliveries have settled. */
  lastRequestAt = 0;

  async listen(port: number): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        this.lastRequestAt = Date.now();
        const p = JSON.parse(body) as { reason: string; incidentId: string };
        const r: Received = { key: String(req.headers['idempotency-key']), reason: p.reason, incidentId: p.incidentId, answered: false, at: Date.now() };
        this.got.push(r);
        const answer = () => {
          // The engine gave up waiting (or was killed): an answer now would reach nobody.
          if (res.socket === null || res.socket.destroyed) return;
          res.writeHead(200).end();
          r.answered = true;
        };
        const mode = this.mode;
        if (mode.kind === 'hang') this.held.push(res);
        else if (mode.kind === 'slow') setTimeout(answer, mode.delayMs);
        else answer();
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
  }

  hang(): void {
    this.mode = { kind: 'hang' };
  }

  /** Answers each request only after `delayMs`. */
  slow(delayMs: number): void {
    this.mode = { kind: 'slow', delayMs };
  }

  /** Answers again at once; requests held by a hang are cut, never answered (the engine has timed them out). */
  answer(): void {
    this.mode = { kind: 'answer' };
    for (const res of this.held.splice(0)) res.socket?.destroy();
  }

  /** Requests not answered (yet, or ever). */
  hung(): number {
    return this.got.filter((g) => !g.answered).length;
  }

  /** Requests received so far. */
  requests(): number {
    return this.got.length;
  }

  /** Keys answered 200, each once. */
  delivered(): Set<string> {
    return new Set(this.got.filter((g) => g.answered).map((g) => g.key));
  }

  /**
   * Keys answered 200 more than once. `resentAfterKill` tells those sent again
   * because the engine was killed between the receiver's 200 and recording it
   * (at-least-once, decision 0500: receivers de-duplicate on Idempotency-Key)
   * from real duplicates, which have no kill between the two deliveries.
   */
  duplicated(killedAt: readonly number[] = []): { duplicated: string[]; resentAfterKill: string[] } {
    const firsts = new Map<string, number>();
    const duplicated: string[] = [];
    const resentAfterKill: string[] = [];
    for (const g of this.got) {
      if (!g.answered) continue;
      const first = firsts.get(g.key);
      if (first === undefined) {
        firsts.set(g.key, g.at);
        continue;
      }
      // The record follows the 200 within milliseconds; a kill more than 2 s after the first delivery is no excuse.
      if (killedAt.some((t) => t >= first && t - first <= 2000 && t <= g.at)) resentAfterKill.push(g.key);
      else duplicated.push(g.key);
    }
    return { duplicated, resentAfterKill };
  }

  async close(): Promise<void> {
    this.answer();
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
}
