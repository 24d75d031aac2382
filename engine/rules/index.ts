// Rules: the YAML rule language (schema, loader, CEL conditions and functions,
// message templates, reference tables), the index the runtime queries, and
// rule unit tests. Code outside this folder imports only from here; nothing
// here does network I/O.
export { compileRuleText, DEFAULT_MAX_KEYS, DEFAULT_MAX_PARTIALS, DEFAULT_SEQUENCE_KEEP_FIRING_MS, type CompiledRule, type CompileResult, type RuleOrigin } from './compile.ts';
export type { Activation } from './cel-closures.ts';
export { celEvent, type CompileOptions } from './cel.ts';
export { hanoiGeo, ruleContext, type RuleContext, type RuleGeo } from './context.ts';
export { formatDiagnostic, type RuleDiagnostic } from './diagnostic.ts';
export { parseDuration } from './duration.ts';
export { RuleEvaluationError } from './errors.ts';
export { celFunctions } from './functions.ts';
export { isRulesFile, loadRulesDir, type LoadOptions, type LoadResult } from './loader.ts';
export type { AbsencePlan, AggregateFunction, AggregatePlan, EventPlan, KeyPlan, RuleKind, SequencePlan, SequenceStep, WindowPlan } from './plan.ts';
export { globMatcher, RuleSet, typeMatches } from './rule-set.ts';
export { isRuleTestFile, runRuleTests, type RuleTestReport, type RuleTestResult } from './rule-tests.ts';
export { ruleSchema, ruleTestFileSchema } from './schema.ts';
export { loadTables, type RefTable, type TableRow } from './tables.ts';
// The YAML-with-positions toolkit, shared with other YAML languages of the engine (incident policies).
export { nodeAt, parseYaml, startOf, validateNode, type ParsedYaml, type Path } from './yaml-source.ts';
