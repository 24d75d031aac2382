// `ioc simulate`: publishes the simulated Hanoi feed to NATS JetStream, as an
// outside sender would (JSON on ioc.events.<type>, Nats-Msg-Id = source/id).
// Never queues without bound: when NATS falls behind, events are dropped and counted.
import { natsSecurity, openNatsConnection } from '../bus/index.ts';
import { loadConfig, redactUrl } from '../config/index.ts';
import { errorMessage, UnavailableError } from '../errors/index.ts';
import { eventKey, type IocEvent } from '../events/index.ts';
import { sensorCountsForTotal, simulateHanoi } from '../sim/index.ts';

const MAX_IN_FLIGHT = 2000;

export interface SimulateArgs {
  rate: number;
  nats?: string;
  seed: number;
  sensors?: number;
  duration?: number;
}

export async function runSimulate(o: SimulateArgs): Promise<void> {
  const config = loadConfig();
  const url = o.nats ?? config['nats.url'];
  // The same credentials and TLS as the engine (nats.user, nats.tls.*, ...); --nats changes only the address.
  const nc = await openNatsConnection(url, natsSecurity(config), { noAsyncTraces: true, name: 'ioc-simulate' });
  const shown = redactUrl(url);
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const streams = await jsm.streams.find('ioc.events.water.level').catch(() => undefined);
  if (!streams) {
    await nc.close();
    throw new UnavailableError(`no JetStream stream captures ioc.events.> on ${shown}: start the engine first (\`npx ioc start\`), it creates IOC_EVENTS`);
  }
  let sent = 0;
  let dropped = 0;
  let failed = 0;
  let inFlight = 0;
  let lastError = '';
  const started = Date.now();
  const publish = (e: IocEvent) => {
    if (inFlight >= MAX_IN_FLIGHT) {
      dropped++;
      return;
    }
    inFlight++;
    js.publish(`ioc.events.${e.type}`, JSON.stringify(e), { msgID: eventKey(e) }).then(
      () => {
        inFlight--;
        sent++;
      },
      (err: unknown) => {
        inFlight--;
        failed++;
        lastError = errorMessage(err);
      },
    );
  };
  console.error(`ioc simulate: publishing ~${o.rate} events/s of simulated Hanoi to ${shown} (seed ${o.seed}); first storm in ~20 s; Ctrl-C to stop`);
  const sub = simulateHanoi({ rate: o.rate, seed: o.seed, ...(o.sensors ? { sensors: sensorCountsForTotal(o.sensors) } : {}) }).subscribe(publish);
  const progress = setInterval(() => {
    const secs = (Date.now() - started) / 1000;
    console.error(`ioc simulate: ${sent} events sent (${Math.round(sent / secs)}/s)${dropped ? `, ${dropped} dropped (NATS behind)` : ''}${failed ? `, ${failed} failed: ${lastError}` : ''}`);
  }, 5000);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (o.duration) setTimeout(stop, o.duration * 1000);
  });
  sub.unsubscribe();
  clearInterval(progress);
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  await nc.drain();
  console.error(`ioc simulate: done, ${sent} events sent${dropped ? `, ${dropped} dropped` : ''}${failed ? `, ${failed} failed` : ''}`);
}
