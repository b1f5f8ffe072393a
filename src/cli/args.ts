import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDecimal } from '../core/decimal.js';
import { UserError } from '../core/errors.js';
import { didYouMean, nearMiss } from '../core/near-miss.js';
import { unknownChoice } from '../core/schema.js';
import { printHelp, say } from './output.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its complaints turned into user errors (exit 2). */
export function parseFlags<O extends Options>(
  command: string,
  argv: string[],
  options: O,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: attachNegativeValues(argv, options),
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UserError(
      `${complaint(error as Error, Object.keys(options))}; see "evoplace ${command} --help"`,
      command,
    );
  }
  refuseRepeats(command, parsed.tokens, options);
  return {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

/**
 * A flag given twice with different values (`--replicas 288 ... --replicas 300`): parseArgs
 * keeps the last silently, and the user may have meant either. The same value twice is harmless;
 * a flag that takes several (`--llm`) is not a repeat.
 */
function refuseRepeats(
  command: string,
  tokens: ReturnType<typeof parseArgs>['tokens'] = [],
  options: Options,
): void {
  const seen = new Map<string, string | undefined>();
  for (const token of tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple) continue;
    const earlier = seen.get(token.name);
    if (seen.has(token.name) && earlier !== token.value)
      throw new UserError(
        `--${token.name} is given twice (${JSON.stringify(earlier)}, then ${JSON.stringify(token.value)}); give it once`,
        command,
      );
    seen.set(token.name, token.value);
  }
}

/**
 * parseArgs's complaint; an unknown option's own text ends in an unbalanced quote, and says
 * nothing of the option a typo (`--jsno`) most likely meant. A long option that resembles none
 * (`--json` where a command writes JSON anyway) gets the options the command does take; only a
 * short one (`-x`, often a value or file name that starts with "-") gets the hint about "--".
 */
function complaint(error: Error & { code?: string }, names: string[]): string {
  const valueless = /^Option '(?:-\w, )?(-[^ ']+)(?: <value>)?' argument missing/.exec(
    error.message,
  );
  if (valueless) return `${valueless[1]} needs a value (${valueless[1]} VALUE)`;
  const unwanted = /^Option '(?:-\w, )?(-[^ ']+)' does not take an argument/.exec(error.message);
  if (unwanted) return `${unwanted[1]} is a switch and takes no value (write ${unwanted[1]} alone)`;
  const unknown = /^Unknown option '([^']*)'/.exec(error.message);
  if (error.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !unknown) return error.message;
  const option = unknown[1]!;
  if (!option.startsWith('--'))
    return `unknown option ${option} (a value that starts with "-" goes after "--")`;
  const meant = nearMiss(option.slice(2), names);
  if (meant) return `unknown option ${option} (did you mean --${meant}?)`;
  const taken = names.filter((name) => name !== 'help').map((name) => `--${name}`);
  return taken.length
    ? `unknown option ${option} (this command takes ${alternatives(taken)})`
    : `unknown option ${option} (this command takes none)`;
}

/**
 * `--seed -1` as `--seed=-1`: parseArgs takes a value that starts with "-" for a flag and
 * refuses it as ambiguous, where the user plainly meant a (negative) number, which the flag's
 * own range check then judges.
 */
function attachNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.startsWith('--') ? argv[i]!.slice(2) : null;
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

export interface ParsedCommand {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parse a command's flags (adding --help/-h) and check it got exactly `positionals` arguments,
 * else a user error quoting `usage`. Returns null after printing `help` when asked for it.
 */
export function parseCommand(
  command: string,
  argv: string[],
  options: Options,
  help: string,
  positionals = 0,
  usage = `evoplace ${command}`,
): ParsedCommand | null {
  const parsed = parseFlags(command, argv, { ...options, help: { type: 'boolean', short: 'h' } });
  if (parsed.values.help) {
    printHelp(help);
    return null;
  }
  if (parsed.positionals.length !== positionals) {
    const what =
      positionals === 0
        ? `unexpected argument "${parsed.positionals[0]}"`
        : `expected ${positionals} argument(s), got ${parsed.positionals.length}`;
    throw new UserError(`${what}; usage: ${usage}; see "evoplace ${command} --help"`, command);
  }
  return parsed;
}

/** A numeric flag within [min, max] (an integer when `integer`), or `fallback` when absent. */
function boundedFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  [min, max]: [number, number],
  integer: boolean,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const wellFormed =
    typeof raw === 'string' &&
    (integer
      ? /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(value)
      : Number.isFinite(parseDecimal(raw)));
  if (!wellFormed || !(value >= min && value <= max)) {
    const what = integer ? 'an integer' : 'a number';
    throw new UserError(
      `expected ${what} from ${min} to ${max}, got "${String(raw)}"`,
      undefined,
      `--${name}`,
    );
  }
  return value;
}

/** An integer flag within [min, max], or `fallback` when absent. */
export function intFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return boundedFlag(values, name, fallback, [min, max], true);
}

/** A real-number flag within [min, max], or `fallback` when absent. */
export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return boundedFlag(values, name, fallback, [min, max], false);
}

/** A flag whose value must be one of `choices`. */
export function choiceFlag<T extends string>(
  values: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UserError(
      unknownChoice(raw, choices, `expected one of ${choices.join(', ')}`),
      undefined,
      `--${name}`,
    );
  }
  return raw as T;
}

/** A comma-separated list flag whose items must each be one of `choices`. */
export function listFlag<T extends string>(
  values: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: readonly T[],
): T[] {
  const raw = values[name];
  if (raw === undefined) return [...fallback];
  const items = String(raw)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.find((item) => !(choices as readonly string[]).includes(item));
  if (bad !== undefined || items.length === 0) {
    throw new UserError(
      `expected a comma-separated list of ${choices.join(', ')}, got "${String(raw)}"${didYouMean(bad ?? '', choices)}`,
      undefined,
      `--${name}`,
    );
  }
  return items as T[];
}

/** `a, b or c`. */
function alternatives(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/**
 * Run one command of a group (`evoplace prism solve ...`): `argv[0]` names it among `commands`,
 * which get the rest. None, --help or -h print the group's `help` (exit 2 when nothing was
 * asked, 0 when help was); an unknown one is a user error listing the group's commands.
 */
export function runCommandOf(
  group: string,
  argv: string[],
  commands: Record<string, (argv: string[]) => number | Promise<number>>,
  help: string,
): number | Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    say(help);
    return 2;
  }
  if (sub === '--help' || sub === '-h') {
    printHelp(help);
    return 0;
  }
  const command = Object.hasOwn(commands, sub) ? commands[sub] : undefined;
  if (!command) {
    throw new UserError(
      `unknown command "${group} ${sub}"; expected ${alternatives(Object.keys(commands))}${didYouMean(sub, Object.keys(commands))}`,
    );
  }
  return command(rest);
}
