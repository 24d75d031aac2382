// The Hanoi simulator: a believable, deterministic feed of sensor readings and
// hotline complaints for demos, tests and the benchmark. It only produces
// events; publishing them (bus, gRPC) is the caller's business.
export { HanoiFeed, type FeedOptions } from './feed.ts';
export { simulateHanoi, DEFAULT_RATE, DEFAULT_TICK_MS, type SimulateOptions } from './simulate.ts';
export { defaultScenario, hanoiHour, Scenario, type SmogPlan, type StormPlan } from './scenario.ts';
export { defaultSensorCounts, resolveSensorCounts, sensorCountsForTotal, type SensorCounts, type SimSensor } from './sensors.ts';
export { HOTLINE_SOURCE, hotlineCategories, type HotlineCategory } from './hotline.ts';
export { LOW_LYING_DISTRICTS, POLLUTION_PRONE_DISTRICTS } from './hanoi-places.ts';
