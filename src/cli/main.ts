#!/usr/bin/env node
import { INTERNAL_ERROR_EXIT_CODE, isUserError } from '../core/errors.js';
import { printHelp, say } from './output.js';
import { didYouMean } from '../core/near-miss.js';

/**
 * The command groups, each loaded when used: a group's dependencies (the LLM SDKs of `evolve`,
 * SQLite, HiGHS) cost a command of another group nothing at start-up.
 */
const GROUPS = {
  prism: () => import('./prism.js').then((m) => ({ help: m.PRISM_HELP, run: m.runPrism })),
  eplb: () => import('./eplb.js').then((m) => ({ help: m.EPLB_HELP, run: m.runEplb })),
  llm: () => import('./llm.js').then((m) => ({ help: m.LLM_HELP, run: m.runLlm })),
  colocate: () =>
    import('./colocate.js').then((m) => ({ help: m.COLOCATE_HELP, run: m.runColocate })),
  evolve: () => import('./evolve.js').then((m) => ({ help: m.EVOLVE_HELP, run: m.runEvolve })),
  experiment: () =>
    import('./experiment.js').then((m) => ({ help: m.EXPERIMENT_HELP, run: m.runExperimentCli })),
  ui: () => import('./ui.js').then((m) => ({ help: m.UI_HELP, run: m.runUi })),
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
      printHelp(await help());
      return 0;
    case '--version':
      process.stdout.write('evoplace 0.1.0\n');
      return 0;
    default: {
      if (group === undefined) {
        say(await help());
        return 2;
      }
      say(
        `error: unknown command "${group}"${didYouMean(group, Object.keys(GROUPS))} (evoplace --help lists the commands)`,
      );
      return 2;
    }
  }
}

// A reader that stops early (`evoplace eplb generate | head`) closes the pipe: the output it did
// not want is no error, so leave quietly as the shell's own tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

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
