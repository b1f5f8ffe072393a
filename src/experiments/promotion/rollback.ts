import { rmSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { UserError } from '../../core/errors.js';
import {
  ackPath,
  acknowledgedIds,
  readAcknowledgement,
  saveAcknowledgement,
  type Acknowledgement,
} from './acks.js';
import { valuesIn } from './lines.js';
import { sha256Hex } from './signature.js';
import { syntaxFor } from './syntaxes.js';
import { readTarget, realPathOf, resolveInside, writeTarget } from './target-file.js';

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
 * Refuse an acknowledgement whose file is not inside its promotion file's folder, the only
 * place an apply writes: one edited (or copied from elsewhere) to name another file must not
 * make the rollback write there.
 */
function checkTarget(ack: Acknowledgement, stateDir: string): void {
  const folder = realPathOf(dirname(ack.promotionFile));
  resolveInside(folder, relative(folder, ack.file), {
    source: ackPath(stateDir, ack.id),
    field: 'file',
    folderName: "the promotion file's folder",
  });
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
