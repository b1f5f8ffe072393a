/**
 * Promotion of a configuration experiment's winner (DESIGN §2.4, issue 6): a signed, expiring
 * promotion file; `apply` writes its values into an env or flags file and records how to undo
 * it; `rollback` restores that file byte for byte.
 */
export {
  promotionSchema,
  guardrailSchema,
  applySchema,
  PROMOTION_ID,
  type Promotion,
  type PromotionBody,
  type PromotionApply,
  type Guardrail,
  type PromotedValue,
} from './schema.js';
export { canonicalJson, signatureOf, hasValidSignature } from './signature.js';
export {
  createPromotion,
  writePromotionFile,
  DEFAULT_PROMOTION_TTL_HOURS,
  type CreatePromotionArgs,
} from './create.js';
export { readPromotionFile } from './read.js';
export { applyPromotion, type ApplyOptions } from './apply.js';
export { rollbackPromotion, type RollbackOptions } from './rollback.js';
export {
  listAcknowledgements,
  readAcknowledgement,
  acknowledgementSchema,
  type Acknowledgement,
  type PromotedChange,
} from './acks.js';
