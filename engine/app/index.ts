// One engine process, wired.
export { startEngine, type EngineOptions, type RunningEngine } from './engine.ts';
