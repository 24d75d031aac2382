// CPU and memory as Linux accounts them (/proc), for the benchmark's tables:
// how many cores each process actually got while the events flowed. On a
// small shared machine that, more than the code, is often what a rate says.

import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14 and 15 of stat)
}

/** CPU seconds the whole machine has spent so far (every core, every process). */
export function machineCpuSeconds(): number {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = v.map(Number);
  return (n[0]! + n[1]! + n[2]! + n[5]! + n[6]! + n[7]!) / TICKS; // user nice system irq softirq steal
}

/** CPU seconds so far of every process, by command name (nats-server, clickhouse-serv, node, ...). */
export function cpuByCommand(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      out.set(comm, (out.get(comm) ?? 0) + (Number(f[11]) + Number(f[12])) / TICKS);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Peak resident memory of a process, in MB. */
export function peakRssMb(pid: number): number {
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
}

/** Cores each process spent over a stretch of wall time: start it, then call the result at the end. */
export function coresMeter(pids: Record<string, number>): () => { seconds: number; machine: number; nats: number; clickhouse: number } & Record<string, number> {
  const t0 = performance.now();
  const own0 = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const machine0 = machineCpuSeconds();
  const by0 = cpuByCommand();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const by1 = cpuByCommand();
    const cores = (x: number) => Number((x / seconds).toFixed(2));
    const of = (comm: string) => cores((by1.get(comm) ?? 0) - (by0.get(comm) ?? 0));
    const own = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cores(cpuSeconds(pid) - own0[name]!)]));
    return { seconds, machine: cores(machineCpuSeconds() - machine0), nats: of('nats-server'), clickhouse: of('clickhouse-serv'), ...own };
  };
}
