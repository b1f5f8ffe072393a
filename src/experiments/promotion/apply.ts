import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import {
  readAcknowledgement,
  recordAcknowledgement,
  type Acknowledgement,
  type PromotedChange,
} from './acks.js';
import { guardrailViolation } from './guardrails.js';
import { quoteValue, setValues, valuesIn } from './lines.js';
import { readPromotionFile } from './read.js';
import { hasValidSignature, sha256Hex } from './signature.js';
import { syntaxFor } from './syntaxes.js';
import { decodeTarget, readTarget, resolveTarget, writeTarget } from './target-file.js';

export interface ApplyOptions {
  /** Where acknowledgements are kept (`<stateDir>/acks/<id>.json`). */
  stateDir: string;
  now?: Date;
}

/**
 * Apply a promotion file: check it (schema, signature, not applied before, not expired,
 * guardrails), then write its values into its env or flags file and return the
 * acknowledgement that `rollbackPromotion` uses to undo it.
 *
 * Order of writes: the acknowledgement first, then the file. A crash between the two leaves an
 * acknowledgement whose file still holds its previous bytes; rollback recognises that state
 * and only marks it rolled back. The other order could leave a changed file with no record of
 * its previous bytes, which nothing could undo.
 */
export function applyPromotion(file: string, options: ApplyOptions): Acknowledgement {
  const promotionFile = resolve(file);
  const promotion = readPromotionFile(promotionFile);
  if (!hasValidSignature(promotion))
    throw new UserError(
      'does not match the content: the file was edited after it was made; refusing to apply it',
      promotionFile,
      'signature',
    );
  const earlier = readAcknowledgement(options.stateDir, promotion.id);
  if (earlier) {
    const state = earlier.rolledBack ? `, rolled back at ${earlier.rolledBack.at}` : '';
    throw new UserError(
      `promotion ${promotion.id} was already applied at ${earlier.appliedAt}${state}; a promotion is applied once (promote the winner again for a new one)`,
      promotionFile,
    );
  }
  const now = options.now ?? new Date();
  if (now.getTime() >= Date.parse(promotion.expiresAt))
    throw new UserError(
      `expired at ${promotion.expiresAt}; promote the winner again for a fresh promotion`,
      promotionFile,
      'expiresAt',
    );
  const violation = guardrailViolation(promotion.params, promotion.guardrails);
  if (violation) throw new UserError(`${violation}; refusing to apply it`, promotionFile, 'params');

  const { target, map } = promotion.apply;
  const path = resolveTarget(promotionFile, promotion.apply.file);
  const before = readTarget(path);
  const text = decodeTarget(before.bytes, path);
  const syntax = syntaxFor(target);
  const rendered = new Map(
    Object.entries(map).map(([param, key]) => [key, quoteValue(String(promotion.params[param]))]),
  );
  const old = valuesIn(text, syntax);
  const after = Buffer.from(setValues(text, rendered, syntax), 'utf8');
  const changes: PromotedChange[] = Object.entries(map).map(([param, key]) => ({
    param,
    key,
    old: old.get(key) ?? null,
    new: rendered.get(key)!,
  }));
  const ack: Acknowledgement = {
    version: 1,
    id: promotion.id,
    experiment: promotion.experiment,
    promotionFile,
    file: path,
    target,
    existed: before.bytes !== null,
    previousBytes: before.bytes?.toString('base64') ?? '',
    previousMode: before.mode,
    newSha256: sha256Hex(after),
    changes,
    appliedAt: now.toISOString(),
    rolledBack: null,
  };
  recordAcknowledgement(options.stateDir, ack);
  writeTarget(path, after, before.mode);
  return ack;
}
