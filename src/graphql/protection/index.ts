/** Query protection: limits checked before parsing and before execution. */
export { createProtectionRules, type ProtectionRuleOptions } from './create-protection-rules.js';
export { documentSizeError, protectionParseOptions } from './document-limits.js';
export {
  DEFAULT_PROTECTION_OPTIONS,
  resolveProtectionOptions,
  type ProtectionOptions,
} from './limits.js';
export {
  createProtectionCheck,
  type ProtectionCheck,
  protectionPlugin,
} from './protection-plugin.js';
