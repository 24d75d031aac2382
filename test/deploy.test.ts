// The deployment files (deploy/compose.yaml, deploy/compose/, deploy/k8s/)
// checked by their checker, deploy/check.mjs, without Docker or a cluster:
// it must pass on the repo and fail, naming the problem, on a broken copy.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from './harness/engine.ts';

const temp = mkdtempSync(join(tmpdir(), 'ioc-deploy-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function check(deployDir: string) {
  const r = spawnSync(process.execPath, [join(deployDir, 'check.mjs')], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

it('passes on the repository: compose with 3 NATS nodes and partitioned engine replicas, Kubernetes manifests with probes and a PodDisruptionBudget', () => {
  const r = check(join(repoRoot, 'deploy'));
  expect(r.out).toMatch(/\n\d+ passed, 0 failed/);
  expect(r.out).toContain('ok    k8s: every Service and PodDisruptionBudget selects a workload');
  expect(r.status).toBe(0);
});

it('fails on engine replicas without partitions, and on a manifest that does not parse', () => {
  const copy = join(temp, 'deploy');
  cpSync(join(repoRoot, 'deploy'), copy, { recursive: true, filter: (src) => !src.includes('.data') });
  // What the checker reads outside deploy/: its YAML parser and the engine's entry point.
  for (const dir of ['node_modules', 'engine']) symlinkSync(join(repoRoot, dir), join(temp, dir));
  const compose = join(copy, 'compose', 'compose.yaml');
  writeFileSync(compose, readFileSync(compose, 'utf8').replace(/^\s*IOC_CLUSTER_PARTITIONS:.*$/m, ''));
  writeFileSync(join(copy, 'k8s', 'engine.yaml'), readFileSync(join(copy, 'k8s', 'engine.yaml'), 'utf8').replace('kind: Deployment', 'kind: Deployment\n  bad: [unclosed'));
  const r = check(copy);
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/FAIL  compose: engine replicas .*IOC_CLUSTER_PARTITIONS is unset or smaller than the replicas/);
  expect(r.out).toMatch(/FAIL  k8s: every manifest parses.*engine\.yaml/);
});
