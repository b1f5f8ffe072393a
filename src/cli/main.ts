#!/usr/bin/env node
import { INTERNAL_ERROR_EXIT_CODE, isUserError } from '../core/errors.js';
import { say } from './output.js';

/**
 * The command groups, each loaded when used: a group's dependencies (the LLM SDKs of `evolve`,
 * SQLite, HiGHS) cost a command of another group nothing at start-up.
 */
const GROUPS = {
  prism: async () => {
    const m = await import('./prism.js');
    return { help: m.PRISM_HELP, run: m.runPrism };
  },
  eplb: async () => {
    const m = await import('./eplb.js');
    return { help: m.EPLB_HELP, run: m.runEplb };
  },
  llm: async () => {
    const m = await import('./llm.js');
    return { help: m.LLM_HELP, run: m.runLlm };
  },
  colocate: async () => {
    const m = await import('./colocate.js');
    return { help: m.COLOCATE_HELP, run: m.runColocate };
  },
  evolve: async () => {
    const m = await import('./evolve.js');
    return { help: m.EVOLVE_HELP, run: m.runEvolve };
  },
  experiment: async () => {
    const m = await import('./experiment.js');
    return { help: m.EXPERIMENT_HELP, run: m.runExperimentCli };
  },
  ui: async () => {
    const m = await import('./ui.js');
    return { help: m.UI_HELP, run: m.runUi };
  },
} satisfies Record<
  string,
  () => Promise<{ help: string; run: (argv: string[]) => number | Promise<number> }>
>;

async function help(): Promise<string> {
  const groups = await Promise.all(Object.values(GROUPS).map((load) => load()));
  return `evoplace — place LLM-serving work on GPU clusters

Usage: evoplace <group> <command> [options]

${groups.map((g) => g.help).join('\n\n')}

Run "evoplace <group> --help" for details.`;
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (group !== undefined && Object.hasOwn(GROUPS, group))
    return (await GROUPS[group as keyof typeof GROUPS]()).run(rest);
  switch (group) {
    case '--help':
    case '-h':
    case 'help':
      say(await help());
      return 0;
    case '--version':
      say('evoplace 0.1.0');
      return 0;
    default:
      say(await help());
      say(group === undefined ? '' : `\nerror: unknown command "${group}"`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (isUserError(error)) {
    say(`error: ${error.format()}`);
    process.exitCode = error.exitCode;
  } else {
    say(`internal error: ${(error as Error)?.stack ?? String(error)}`);
    process.exitCode = INTERNAL_ERROR_EXIT_CODE;
  }
}
