#!/usr/bin/env node
// The `ioc` command. Runs the TypeScript sources directly through tsx, so
// `npx ioc ...` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
