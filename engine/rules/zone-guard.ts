// Reads, from a condition over `e`, the districts it can be true in: a
// top-level conjunct `e.zone in ["a", "b"]` or `e.zone == "a"`. The runtime
// uses it to skip a rule for events elsewhere without evaluating it (a city
// sets many thresholds per district). Only a shortcut: when this returns a
// set, the condition is false for every event whose zone is outside it.

import type { ASTNode } from '@marcbachmann/cel-js';

function isEventZone(n: ASTNode): boolean {
  if (n.op !== '.') return false;
  const [obj, key] = n.args as [ASTNode, string];
  return key === 'zone' && obj.op === 'id' && obj.args === 'e';
}

function stringLiteral(n: ASTNode): string | undefined {
  return n.op === 'value' && typeof n.args === 'string' ? n.args : undefined;
}

/**
 * @example zoneGuard(parse('e.value > 2.0 && e.zone in ["hoan-kiem", "ba-dinh"]').ast) // Set { 'hoan-kiem', 'ba-dinh' }
 * @returns undefined when the condition can be true in any zone.
 */
export function zoneGuard(node: ASTNode): ReadonlySet<string> | undefined {
  switch (node.op) {
    case '&&': {
      const [l, r] = node.args as [ASTNode, ASTNode];
      const a = zoneGuard(l);
      const b = zoneGuard(r);
      if (a !== undefined && b !== undefined) return new Set([...a].filter((z) => b.has(z)));
      return a ?? b;
    }
    case 'in': {
      const [l, r] = node.args as [ASTNode, ASTNode];
      if (!isEventZone(l) || r.op !== 'list') return undefined;
      const items = (r.args as ASTNode[]).map(stringLiteral);
      return items.every((z) => z !== undefined) ? new Set(items as string[]) : undefined;
    }
    case '==': {
      const [l, r] = node.args as [ASTNode, ASTNode];
      const z = isEventZone(l) ? stringLiteral(r) : isEventZone(r) ? stringLiteral(l) : undefined;
      return z === undefined ? undefined : new Set([z]);
    }
    default:
      return undefined;
  }
}
