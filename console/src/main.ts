// Entry point of the operations console: sets up MapLibre's worker, connects to
// the engine that served this page (same origin) and mounts <ioc-console>.

import { setWorkerUrl } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url';
import { grpcWebWatch } from './api/index.ts';
import { IocConsole } from './app/index.ts';
import { installTestHook } from './test-hook.ts';
import './page.css';

// maplibre-gl 6 is ESM with a separate worker file; Vite bundles it and gives its URL.
setWorkerUrl(workerUrl);

const app = new IocConsole();
app.watch = grpcWebWatch(location.origin);
installTestHook(app);
document.body.append(app);
