// Rule state snapshots in the engine's KV bucket: the runtime's state as of a
// stream sequence, JSON, deflated, split into chunks under a new generation,
// then published by flipping one pointer key, so a crash mid-write leaves the
// previous snapshot intact. Never blocks the event loop on compression.

import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import type { StateStore } from '../bus/index.ts';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** KV values must fit a NATS message (1 MiB by default); stay well under. */
const CHUNK_BYTES = 256 * 1024;

export interface Snapshot {
  /** The stream sequence the state includes (every event up to it, none after). */
  seq: number;
  state: unknown;
}

interface Pointer {
  generation: number;
  seq: number;
  chunks: number;
  bytes: number;
  takenAt: number;
}

function safe(consumer: string): string {
  return consumer.replace(/[^-\w]/g, '_');
}

export class SnapshotStore {
  private readonly pointerKey: string;
  private readonly chunkPrefix: string;

  constructor(
    private readonly kv: StateStore,
    consumer: string,
  ) {
    this.pointerKey = `snapshot.${safe(consumer)}`;
    this.chunkPrefix = `snapshot-chunk.${safe(consumer)}.`;
  }

  /** Writes a snapshot and makes it the current one; returns its compressed size. */
  async save(snapshot: Snapshot, now: number): Promise<number> {
    const previous = await this.pointer();
    const generation = (previous?.generation ?? 0) + 1;
    const packed = await deflate(encoder.encode(JSON.stringify(snapshot.state)));
    const chunks = Math.max(1, Math.ceil(packed.length / CHUNK_BYTES));
    for (let i = 0; i < chunks; i++) {
      await this.kv.put(`${this.chunkPrefix}${generation}.${i}`, packed.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
    }
    const pointer: Pointer = { generation, seq: snapshot.seq, chunks, bytes: packed.length, takenAt: now };
    await this.kv.put(this.pointerKey, encoder.encode(JSON.stringify(pointer)));
    if (previous) for (let i = 0; i < previous.chunks; i++) await this.kv.delete(`${this.chunkPrefix}${previous.generation}.${i}`);
    return packed.length;
  }

  /** The current snapshot, or undefined when none was ever saved. */
  async load(): Promise<Snapshot | undefined> {
    const pointer = await this.pointer();
    if (!pointer) return undefined;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < pointer.chunks; i++) {
      const part = await this.kv.get(`${this.chunkPrefix}${pointer.generation}.${i}`);
      if (!part) throw new Error(`snapshot generation ${pointer.generation} is missing chunk ${i} of ${pointer.chunks}`);
      parts.push(part);
    }
    const state: unknown = JSON.parse(decoder.decode(await inflate(Buffer.concat(parts))));
    return { seq: pointer.seq, state };
  }

  /** Deletes the current snapshot (its chunks, then the pointer). */
  async clear(): Promise<void> {
    const pointer = await this.pointer();
    if (!pointer) return;
    await this.kv.delete(this.pointerKey);
    for (let i = 0; i < pointer.chunks; i++) await this.kv.delete(`${this.chunkPrefix}${pointer.generation}.${i}`);
  }

  private async pointer(): Promise<Pointer | undefined> {
    const raw = await this.kv.get(this.pointerKey);
    return raw ? (JSON.parse(decoder.decode(raw)) as Pointer) : undefined;
  }
}
