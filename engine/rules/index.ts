// Rules: the YAML rule language (schema, loader, CEL conditions, message
// templates), the index the alert tracker queries, and rule unit tests. Code
// outside this folder imports only from here; nothing here does network I/O.
export { compileRuleText, type CompiledRule, type CompileResult, type RuleOrigin } from './compile.ts';
export { formatDiagnostic, type RuleDiagnostic } from './diagnostic.ts';
export { RuleEvaluationError } from './errors.ts';
export { isRulesFile, loadRulesDir, type LoadResult } from './loader.ts';
export { RuleSet, typeMatches } from './rule-set.ts';
export { isRuleTestFile, runRuleTests, type RuleTestReport, type RuleTestResult } from './rule-tests.ts';
export { plannedKeys, ruleSchema, ruleTestFileSchema } from './schema.ts';
