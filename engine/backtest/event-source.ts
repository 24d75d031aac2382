// Reads stored events back from ClickHouse for a backtest: one streamed query
// per day partition, de-duplicated with FINAL (cheap within one partition),
// in event-time order with the stream sequence as tiebreak (the order the live
// engine processed them in), decoded from RowBinary as bytes arrive.
// Read-only: it must never write, and never build SQL outside sql-escape.

import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { ConfigError, errorMessage, IocError, UnavailableError } from '../errors/index.ts';
import type { IocEvent } from '../events/index.ts';
import { redactUrl } from '../config/index.ts';
import { accessError, ClickHouseQueryError, ident, isIdentifier, sql, type ClickHouseTls, type Sql } from '../store/index.ts';
import { EVENT_READ_COLUMNS, RowDecoder } from './row-decoder.ts';
import type { TimeRange } from './time-range.ts';

/** Where a backtest reads events from: batches in event-time order. */
export interface EventSource {
  /** Events with `from <= time < to`, in time order (ties in the order the engine read them), in batches. */
  read(range: TimeRange, signal?: AbortSignal): AsyncIterable<IocEvent[]>;
  close(): Promise<void>;
}

export interface ClickHouseEventSourceOptions {
  /** HTTP endpoint, e.g. `http://127.0.0.1:8123`. */
  url: string;
  /** Database holding `events`; a plain identifier. */
  database: string;
  username?: string;
  password?: string;
  /** CA (and client certificate) for an `https://` URL; `clickHouseAccess(config)` builds it. */
  tls?: ClickHouseTls;
  /**
   * Memory ClickHouse may use to sort one day before spilling to disk.
   * Default 1 GB (about 10 million events).
   */
  maxSortBytes?: number;
}

const DAY_MS = 86_400_000;
/** Socket-level failures: the server is down or unreachable (as in engine/store). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * Stored events from ClickHouse, streamed.
 *
 * @example
 * const source = new ClickHouseEventSource({ url: 'http://127.0.0.1:8123', database: 'ioc' });
 * for await (const batch of source.read({ from, to })) for (const e of batch) runtime.process(e);
 * await source.close();
 */
export class ClickHouseEventSource implements EventSource {
  private readonly client: ClickHouseClient;
  private readonly events: Sql;
  private readonly url: string;
  private readonly maxSortBytes: number;

  constructor(o: ClickHouseEventSourceOptions) {
    if (!isIdentifier(o.database)) throw new ConfigError(`ClickHouse database name "${o.database}" is not a plain identifier`);
    this.url = redactUrl(o.url);
    this.events = ident(o.database, 'events');
    this.maxSortBytes = o.maxSortBytes ?? 1_000_000_000;
    try {
      this.client = createClient({
        url: o.url,
        username: o.username ?? 'default',
        password: o.password ?? '',
        ...(o.tls ? { tls: o.tls } : {}),
        // A day of a big city sorts for a while before its first byte; the query is cancelled through the signal instead.
        request_timeout: 3_600_000,
        application: 'thang-long-ioc-backtest',
        log: { level: ClickHouseLogLevel.OFF },
      });
    } catch (err) {
      throw new ConfigError(`ClickHouse URL "${this.url}" is not usable: ${errorMessage(err)}`, { cause: err });
    }
  }

  /**
   * Checks the server answers and holds an `events` table.
   * @throws UnavailableError when it cannot be reached; ClickHouseQueryError when it has no `events` table.
   */
  async check(): Promise<void> {
    const ping = await this.client.ping();
    if (!ping.success) throw accessError(ping.error, `ClickHouse at ${this.url}`) ?? new UnavailableError(`ClickHouse at ${this.url} is unreachable: ${errorMessage(ping.error)}`, { cause: ping.error });
    try {
      await this.client.command({ query: sql`SELECT 1 FROM ${this.events} LIMIT 1`.text });
    } catch (err) {
      throw this.typed(err);
    }
  }

  async *read(range: TimeRange, signal?: AbortSignal): AsyncGenerator<IocEvent[]> {
    // One query per day: FINAL merges within a partition only, and each sort stays a day's size.
    for (let day = Math.floor(range.from / DAY_MS) * DAY_MS; day < range.to; day += DAY_MS) {
      if (signal?.aborted) return;
      const from = Math.max(range.from, day);
      const to = Math.min(range.to, day + DAY_MS);
      const date = new Date(day).toISOString().slice(0, 10);
      const query = sql`SELECT ${EVENT_READ_COLUMNS} FROM ${this.events} FINAL
        WHERE day = toDate(${date}) AND time >= ${from} AND time < ${to}
        ORDER BY time, seq, source, id
        FORMAT RowBinary`;
      const decoder = new RowDecoder();
      let stream: AsyncIterable<Buffer>;
      try {
        stream = (await this.client.exec({ query: query.text, ...(signal ? { abort_signal: signal } : {}), clickhouse_settings: this.settings() })).stream;
      } catch (err) {
        throw this.typed(err);
      }
      // Async iteration reads the socket at the consumer's pace: the server waits while the rules run.
      try {
        for await (const chunk of stream) {
          const rows = decoder.push(chunk);
          if (rows.length > 0) yield rows;
        }
      } catch (err) {
        if (signal?.aborted) return;
        throw this.typed(err);
      }
      decoder.end();
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private settings(): Record<string, string> {
    return { max_bytes_before_external_sort: String(this.maxSortBytes) };
  }

  private typed(err: unknown): IocError {
    if (err instanceof IocError) return err;
    const refused = accessError(err, `ClickHouse at ${this.url}`);
    if (refused !== undefined) return refused;
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as { code?: unknown }).code ?? ((e as { cause?: { code?: unknown } }).cause?.code);
    if (typeof code === 'string' && NETWORK_CODES.has(code)) {
      return new UnavailableError(`ClickHouse at ${this.url} is unreachable: ${e.message}`, { cause: err });
    }
    const server = /Code:\s*(\d+)/.exec(e.message);
    const serverCode = server ? Number(server[1]) : typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
    if (serverCode === 60 || serverCode === 81) {
      return new ClickHouseQueryError(`ClickHouse at ${this.url} has no ${this.events.text} table: has the engine ever stored events there (ioc start migrates it)?`, serverCode, { cause: err });
    }
    return new ClickHouseQueryError(`reading events from ClickHouse failed: ${e.message.trim()}`, serverCode, { cause: err });
  }
}
