import { writeFileAtomic } from '../../core/atomic.js';
import { UserError } from '../../core/errors.js';
import { parseWith } from '../../core/schema.js';
import { guardrailViolation } from './guardrails.js';
import {
  promotionSchema,
  type Guardrail,
  type PromotedValue,
  type Promotion,
  type PromotionApply,
  type PromotionBody,
} from './schema.js';
import { canonicalJson, sha256Hex, signatureOf } from './signature.js';

/** How long a promotion stays applicable unless told otherwise: one week. */
export const DEFAULT_PROMOTION_TTL_HOURS = 168;

export interface CreatePromotionArgs {
  experiment: string;
  /** The winning configuration. */
  params: Record<string, PromotedValue>;
  /** Its measured metrics, by name. */
  metrics: Record<string, number>;
  fitness: number;
  apply: PromotionApply;
  /** Bounds the values must keep, checked now and again when applied. */
  guardrails: Record<string, Guardrail>;
  ttlHours?: number;
  now?: Date;
  /** The candidate broke a hard constraint (OOM, failed evaluation): it is never promoted. */
  disqualified?: boolean;
}

/**
 * Turn an experiment's winner into a signed promotion. Refuses a disqualified candidate and
 * values outside the guardrails. The id is `<experiment>-<yyyymmddhhmmss UTC>-<8 hex>`, the hex
 * digits being the start of the SHA-256 of the content, so it is a pure function of the inputs.
 */
export function createPromotion(args: CreatePromotionArgs): Promotion {
  const source = `promotion of experiment ${args.experiment}`;
  if (args.disqualified)
    throw new UserError(
      `the candidate was disqualified (OOM or failed evaluation, fitness ${args.fitness}); a disqualified candidate is never promoted`,
      source,
    );
  const violation = guardrailViolation(args.params, args.guardrails);
  if (violation) throw new UserError(`${violation}; refusing to promote it`, source, 'params');
  const ttlHours = args.ttlHours ?? DEFAULT_PROMOTION_TTL_HOURS;
  if (!(Number.isFinite(ttlHours) && ttlHours > 0))
    throw new UserError(`expected a positive number of hours, got ${ttlHours}`, source, 'ttlHours');
  const now = args.now ?? new Date();
  const content = {
    version: 1 as const,
    experiment: args.experiment,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlHours * 3_600_000).toISOString(),
    params: args.params,
    metrics: args.metrics,
    fitness: args.fitness,
    apply: args.apply,
    guardrails: args.guardrails,
  };
  const stamp = content.createdAt.replace(/\D/g, '').slice(0, 14);
  const id = `${args.experiment}-${stamp}-${sha256Hex(canonicalJson(content)).slice(0, 8)}`;
  const body: PromotionBody = { ...content, id };
  return parseWith(promotionSchema, { ...body, signature: signatureOf(body) }, source);
}

/** Write a promotion file atomically, as indented JSON for review. */
export function writePromotionFile(path: string, promotion: Promotion): void {
  writeFileAtomic(path, `${JSON.stringify(promotion, null, 2)}\n`);
}
