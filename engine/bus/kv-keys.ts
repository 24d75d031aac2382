// The keys of a NATS KV bucket, by asking its stream which subjects it holds
// (one STREAM.INFO request with `subjects_filter`, paged by nats.js), not by
// nats.js's `kv.keys()`. `keys()` reads the bucket through an ordered
// consumer and ends when that consumer reports nothing pending; on
// nats-server 2.9 that report can be missing when entries expire (buckets
// with a max age, as the cluster's members and leases) or when a cluster
// node dies mid-listing, and the listing then never ends
// (nats-io/nats-server#3481). A stuck listing stalled a whole ownership round
// for good. A request here either answers or times out.

import type { JetStreamManager } from 'nats';

/**
 * The keys a bucket holds now (including keys whose latest entry is a delete
 * marker: read each with `kv.get` and skip those), under `prefix` when given.
 *
 * @example
 * for (const key of await kvKeys(jsm, 'IOC_CLUSTER_MEMBERS')) { const e = await kv.get(key); ... }
 */
export async function kvKeys(jsm: JetStreamManager, bucket: string, prefix = ''): Promise<string[]> {
  const head = `$KV.${bucket}.`;
  // A subject filter takes whole tokens: `snapshot.>` works, `snap>` does not, so a prefix that ends
  // mid-token is matched here instead.
  const whole = prefix === '' || prefix.endsWith('.');
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${head}${whole ? prefix : ''}>` });
  const keys = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(head.length));
  return (whole ? keys : keys.filter((k) => k.startsWith(prefix))).sort();
}
