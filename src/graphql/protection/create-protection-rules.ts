/**
 * The validation rules of query protection, to run before execution so a
 * refused operation runs no resolver. Cost depends on the request's
 * variables, so build the rules per request (protection-plugin.ts does) or
 * accept that variables count as their declared defaults.
 */
import type { ValidationRule } from 'graphql';
import { maxAliasesRule } from './alias-rule.js';
import { costLimitRule } from './cost-rule.js';
import { maxDepthRule } from './depth-rule.js';
import { resolveProtectionOptions, type ProtectionOptions } from './limits.js';

export interface ProtectionRuleOptions extends Partial<ProtectionOptions> {
  /** The request's variables, for `@cost` multipliers given as `$variables`. */
  variables?: Readonly<Record<string, unknown>>;
  /** See CostRuleOptions.onVariableRead. */
  onVariableRead?: (name: string) => void;
}

/**
 * Depth, alias and cost rules with `options` over the defaults. Throws,
 * naming the option, on a limit that is not a positive integer.
 */
export function createProtectionRules(options: ProtectionRuleOptions = {}): ValidationRule[] {
  const { variables, onVariableRead, ...limits } = options;
  const { maxDepth, maxAliases, maxCost, defaultMultiplier } = resolveProtectionOptions(limits);
  return [
    maxDepthRule(maxDepth),
    maxAliasesRule(maxAliases),
    costLimitRule({ maxCost, defaultMultiplier, variables, onVariableRead }),
  ];
}
