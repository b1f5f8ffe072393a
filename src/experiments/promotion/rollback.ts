import { existsSync, rmSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import {
  ackPath,
  acknowledgedIds,
  readAcknowledgement,
  saveAcknowledgement,
  type Acknowledgement,
} from './acks.js';
import { valuesIn } from './lines.js';
import { readPromotionFile } from './read.js';
import { hasValidSignature, sha256Hex } from './signature.js';
import { syntaxFor } from './syntaxes.js';
import { readTarget, resolveTarget, writeTarget } from './target-file.js';

export interface RollbackOptions {
  stateDir: string;
  /** Restore even though the file was edited after the apply, discarding that edit. */
  force?: boolean;
  now?: Date;
}

/**
 * Undo an applied promotion: put its file back exactly as it was (byte for byte and mode, or
 * delete it when the apply created it) and mark the acknowledgement rolled back.
 *
 * The file must still hold what the apply wrote; when someone changed it since, the rollback
 * is refused (saying what changed) unless `force`. A file that still holds its previous bytes
 * (the apply stopped between its acknowledgement and its write) needs no restoring.
 */
export function rollbackPromotion(id: string, options: RollbackOptions): void {
  const ack = readAcknowledgement(options.stateDir, id);
  if (!ack) {
    const known = acknowledgedIds(options.stateDir);
    const list = known.length > 0 ? `known: ${known.join(', ')}` : 'none has been applied yet';
    throw new UserError(`no applied promotion has the id "${id}" (${list})`, options.stateDir);
  }
  if (ack.rolledBack)
    throw new UserError(
      `promotion ${id} was already rolled back at ${ack.rolledBack.at}; there is nothing left to undo`,
      options.stateDir,
    );
  checkTarget(ack, options.stateDir);
  const current = readTarget(ack.file).bytes;
  const previous = ack.existed ? Buffer.from(ack.previousBytes, 'base64') : null;
  const applied = current !== null && sha256Hex(current) === ack.newSha256;
  const untouched = previous === null ? current === null : (current?.equals(previous) ?? false);
  if (!applied && !untouched && !options.force)
    throw new UserError(
      `changed since promotion ${id} was applied: ${describeEdit(ack, current)}; rolling back would discard that change (use --force to roll back anyway)`,
      ack.file,
    );
  if (!untouched) {
    if (previous === null) rmSync(ack.file, { force: true });
    else writeTarget(ack.file, previous, ack.previousMode);
  }
  const at = (options.now ?? new Date()).toISOString();
  saveAcknowledgement(options.stateDir, {
    ...ack,
    rolledBack: { at, forced: !applied && !untouched, restored: !untouched },
  });
}

/**
 * Refuse an acknowledgement that its promotion file does not vouch for: the rollback writes
 * (or deletes) the acknowledgement's `file`, so that file must be the one a genuine promotion
 * (its signature valid, the same id and target) names, inside the promotion file's folder, the
 * only place an apply writes. An acknowledgement edited, forged or copied from elsewhere to
 * name another file never makes the rollback write there.
 */
function checkTarget(ack: Acknowledgement, stateDir: string): void {
  const source = ackPath(stateDir, ack.id);
  if (!existsSync(ack.promotionFile))
    throw new UserError(
      `the promotion file it was applied from, ${ack.promotionFile}, is gone; the rollback checks the acknowledgement against it, so put it back`,
      source,
      'promotionFile',
    );
  const promotion = readPromotionFile(ack.promotionFile);
  const vouches =
    hasValidSignature(promotion) &&
    promotion.id === ack.id &&
    promotion.apply.target === ack.target &&
    resolveTarget(ack.promotionFile, promotion.apply.file) === ack.file;
  if (!vouches)
    throw new UserError(
      `does not match its promotion file ${ack.promotionFile} (id, target, signature or the file it names); the acknowledgement was edited or belongs elsewhere, so nothing was written`,
      source,
      'file',
    );
}

/** What differs from what the apply wrote: the promoted keys' values, or else other lines. */
function describeEdit(ack: Acknowledgement, current: Buffer | null): string {
  if (current === null) return 'the file was deleted';
  const values = valuesIn(current.toString('utf8'), syntaxFor(ack.target));
  const edits = ack.changes
    .filter((change) => values.get(change.key) !== change.new)
    .map((change) => {
      const now = values.get(change.key);
      return `${change.key} is now ${now === undefined ? 'unset' : now} (the promotion wrote ${change.new})`;
    });
  return edits.length > 0 ? edits.join(', ') : 'lines other than the promoted keys were edited';
}
