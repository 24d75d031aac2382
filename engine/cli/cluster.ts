// `ioc cluster status`: the partition plan as it stands, read from NATS with
// the configured connection (ioc.yaml, IOC_* variables). Changes nothing.

import { natsSecurity, openNatsConnection } from '../bus/index.ts';
import { formatClusterStatus, readClusterStatus } from '../cluster/index.ts';
import { loadConfig } from '../config/index.ts';
import { FailedPreconditionError } from '../errors/index.ts';

export async function runClusterStatus(o: { config?: string; json?: boolean }): Promise<void> {
  const config = loadConfig(o.config ? { file: o.config } : {});
  const partitions = config['cluster.partitions'];
  if (partitions === 0) throw new FailedPreconditionError('cluster.partitions is 0: this deployment runs one pipeline, not partitions (set cluster.partitions, the same in every engine process)');
  const nc = await openNatsConnection(config['nats.url'], natsSecurity(config), { name: 'ioc-cluster-status' });
  try {
    const status = await readClusterStatus(nc, { partitions, eventsStream: config['nats.eventsStream'], partitionsStream: config['nats.partitionsStream'] });
    console.log(o.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status));
  } finally {
    await nc.close();
  }
}
