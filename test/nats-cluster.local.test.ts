// deploy/local/nats-cluster.ts as a supervisor: a node whose log says it
// disabled JetStream (what nats-server 2.9 sometimes does after a SIGKILL, and
// then keeps running without it) is restarted by ready(), and the cluster
// serves replicated streams again. The fault itself cannot be provoked at will,
// so the test writes its log line; the restart and the cluster are real.
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../deploy/local/nats-cluster.ts';

let cluster: NatsCluster | undefined;
afterAll(async () => cluster?.destroy());

it('restarts a node that disabled JetStream, and the cluster serves a 3-replica stream again', async () => {
  cluster = await startNatsCluster({ dir: mkdtempSync(join(tmpdir(), 'ioc-natsl-')), nodes: 3 });
  const node = cluster.nodes[1]!;
  const starts = () => readFileSync(node.logFile, 'utf8').split('Starting nats-server').length - 1;
  expect(node.jetStreamDisabled()).toBe(false);
  const before = starts();

  appendFileSync(node.logFile, '[0] 2026/11/27 00:00:00.000000 [ERR] JetStream out of resources, will be DISABLED\n');
  expect(node.jetStreamDisabled()).toBe(true);
  await cluster.ready();

  expect(starts()).toBe(before + 1);
  expect(node.jetStreamDisabled()).toBe(false);
  const nc = await connect({ servers: cluster.servers });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'T', subjects: ['t.>'], num_replicas: 3 });
    const ack = await nc.jetstream().publish('t.x', new TextEncoder().encode('{}'));
    expect(ack.seq).toBe(1);
  } finally {
    await nc.close();
  }
}, 120_000);
