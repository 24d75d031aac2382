// Backtesting: stored events from ClickHouse, in event-time order, through
// rules in isolated runtimes, reporting per rule the alerts they would have
// fired and the difference from a baseline version. Read-only: never writes
// to storage, the bus or live state, and never notifies anyone.
export { runBacktest, selectBaseline, type BacktestOptions, type BacktestProgress, type BacktestReport, type RunName } from './backtest.ts';
export { ClickHouseEventSource, type ClickHouseEventSourceOptions, type EventSource } from './event-source.ts';
export { formatReport, formatProgress } from './format.ts';
export { AlertCollector, diffFirings, MAX_EXAMPLES, type ChangedFiring, type Firing, type KeySummary, type RuleChange, type RuleDiff, type RuleSummary } from './report.ts';
export { MalformedRowsError, RowDecoder } from './row-decoder.ts';
export { compileRuleTexts, loadRulePaths, type LoadedRules, type RuleText } from './rule-files.ts';
export { checkTimeRange, parseTime, parseTimeRange, type TimeRange } from './time-range.ts';
