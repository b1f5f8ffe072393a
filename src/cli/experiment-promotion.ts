import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  applyPromotion,
  readAcknowledgement,
  rollbackPromotion,
  type Acknowledgement,
} from '../experiments/promotion/index.js';
import { UserError } from '../core/errors.js';
import { parseCommand, type Options } from './args.js';
import { printJson, say } from './output.js';

export const APPLY_HELP = `evoplace experiment apply — write a promotion's values into its env or flags file

  evoplace experiment apply FILE [--state-dir DIR] [--json]
      Checks the signature, the expiry and the guardrails, refuses a promotion applied before,
      and records the previous file in DIR/acks/<id>.json for "experiment rollback".
      The file it writes (apply.file) is relative to FILE's folder and must stay inside it.
      DIR: $EVOPLACE_STATE_DIR, else .evoplace in the current directory.`;

export const ROLLBACK_HELP = `evoplace experiment rollback — restore the file a promotion changed, byte for byte

  evoplace experiment rollback ID [--state-dir DIR] [--force] [--json]
      Refuses when the file was edited after the apply, unless --force.
      DIR: $EVOPLACE_STATE_DIR, else .evoplace in the current directory.`;

const STATE: Options = { 'state-dir': { type: 'string' }, json: { type: 'boolean' } };

/** Where acknowledgements live unless `--state-dir` says: $EVOPLACE_STATE_DIR, else `.evoplace`. */
export function defaultStateDir(): string {
  return resolve(process.env.EVOPLACE_STATE_DIR || '.evoplace');
}

/** `--state-dir DIR`, else {@link defaultStateDir}. */
export function stateDirFlag(values: Record<string, unknown>): string {
  const flag = values['state-dir'];
  if (flag === '')
    throw new UserError('is empty; name the folder that keeps acknowledgements', '--state-dir');
  const dir = typeof flag === 'string' ? resolve(flag) : defaultStateDir();
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UserError(
      'is not a folder; give --state-dir (or EVOPLACE_STATE_DIR) the folder that keeps acknowledgements',
      dir,
    );
  return dir;
}

/** What the CLI shows of an acknowledgement: all but the previous bytes and mode. */
export function acknowledgementSummary(
  ack: Acknowledgement,
): Omit<Acknowledgement, 'previousBytes' | 'previousMode'> {
  const shown: Partial<Acknowledgement> = { ...ack };
  delete shown.previousBytes;
  delete shown.previousMode;
  return shown as Omit<Acknowledgement, 'previousBytes' | 'previousMode'>;
}

/** Values shown longer than this are cut (the file gets them whole). */
const SHOWN_VALUE_CHARS = 200;

function shortened(value: string): string {
  return value.length > SHOWN_VALUE_CHARS
    ? `${value.slice(0, SHOWN_VALUE_CHARS)}… (${value.length} characters)`
    : value;
}

export function applyCommand(argv: string[]): number {
  const usage = 'evoplace experiment apply FILE [--state-dir DIR] [--json]';
  const parsed = parseCommand('experiment apply', argv, STATE, APPLY_HELP, 1, usage);
  if (!parsed) return 0;
  const ack = applyPromotion(resolve(parsed.positionals[0]!), {
    stateDir: stateDirFlag(parsed.values),
  });
  if (parsed.values.json) printJson(acknowledgementSummary(ack));
  else {
    say(`applied ${ack.id} to ${ack.file} (${ack.target}${ack.existed ? '' : ', new file'})`);
    for (const c of ack.changes)
      say(`  ${c.key}: ${shortened(c.old ?? '(unset)')} -> ${shortened(c.new)}`);
    say(`undo with: evoplace experiment rollback ${ack.id}`);
  }
  return 0;
}

export function rollbackCommand(argv: string[]): number {
  const usage = 'evoplace experiment rollback ID [--state-dir DIR] [--force] [--json]';
  const options: Options = { ...STATE, force: { type: 'boolean' } };
  const parsed = parseCommand('experiment rollback', argv, options, ROLLBACK_HELP, 1, usage);
  if (!parsed) return 0;
  const id = parsed.positionals[0]!;
  const stateDir = stateDirFlag(parsed.values);
  rollbackPromotion(id, { stateDir, force: parsed.values.force === true });
  const ack = readAcknowledgement(stateDir, id)!;
  if (parsed.values.json) printJson(acknowledgementSummary(ack));
  else if (!ack.rolledBack!.restored)
    say(`rolled back ${id}: ${ack.file} already held its previous content`);
  else if (ack.existed) say(`rolled back ${id}: restored ${ack.file}`);
  else say(`rolled back ${id}: removed ${ack.file} (the apply had created it)`);
  return 0;
}
