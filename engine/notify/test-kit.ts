// Helpers for notify tests: a real webhook receiver on a loopback port that
// can go down and come back, and polling of observable state. Test code only;
// it must never be imported by the engine.

import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationRequest } from '../incidents/model.ts';
import type { NotificationPayload } from './deliver.ts';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  raw: string;
  payload: NotificationPayload;
}

/** A webhook receiver; `respond` decides each answer (status, or `'hang'` to never answer until `release()`). */
export interface TestReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  respond: (r: ReceivedRequest) => number | 'hang';
  up(): Promise<void>;
  down(): Promise<void>;
  /** Answers every hanging request with 200. */
  release(): void;
}

/**
 * Starts a receiver on a free port; with `{ down: true }` the port is chosen but nothing listens yet.
 *
 * @example
 * const r = await testReceiver({ down: true });
 * // ... enqueue, then:
 * await r.up();
 */
export async function testReceiver(opts: { down?: boolean } = {}): Promise<TestReceiver> {
  let server: Server | undefined;
  const hanging: ServerResponse[] = [];
  const r: TestReceiver = {
    url: '',
    port: 0,
    requests: [],
    respond: () => 200,
    up: () =>
      new Promise((resolve, reject) => {
        const s = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            const got: ReceivedRequest = { headers: req.headers, raw, payload: JSON.parse(raw) as NotificationPayload };
            r.requests.push(got);
            const status = r.respond(got);
            if (status === 'hang') hanging.push(res);
            else res.writeHead(status).end();
          });
        });
        s.once('error', reject);
        s.listen(r.port, '127.0.0.1', () => {
          server = s;
          r.port = (s.address() as AddressInfo).port;
          r.url = `http://127.0.0.1:${r.port}/hook`;
          resolve();
        });
      }),
    down: () =>
      new Promise((resolve) => {
        const s = server;
        server = undefined;
        if (!s) return resolve();
        s.closeAllConnections();
        s.close(() => resolve());
      }),
    release: () => {
      for (const res of hanging.splice(0)) res.writeHead(200).end();
    },
  };
  await r.up();
  if (opts.down) await r.down();
  return r;
}

/** Polls `check` until it returns a value other than false/undefined; fails with `what` after the timeout. */
export async function waitFor<T>(check: () => T | false | undefined | Promise<T | false | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

let seq = 0;

/** A notification request with plausible vars; `createdAt` increases per call unless given. */
export function request(over: Partial<NotificationRequest> = {}): NotificationRequest {
  seq++;
  return {
    id: `inc-${seq}:opened:${seq}`,
    receiver: 'hook',
    reason: 'opened',
    incidentId: `inc-${seq}`,
    vars: { type: 'flood', title_vi: 'Ngập tại Hoàn Kiếm', title_en: 'Flooding in Hoan Kiem', severity: 'major', state: 'open', zone: 'hoan-kiem', zones: 'hoan-kiem' },
    createdAt: 1_767_225_600_000 + seq,
    ...over,
  };
}
