#!/usr/bin/env node
import { INTERNAL_ERROR_EXIT_CODE, isUserError } from '../core/errors.js';
import { say } from './output.js';
import { COLOCATE_HELP, runColocate } from './colocate.js';
import { EPLB_HELP, runEplb } from './eplb.js';
import { LLM_HELP, runLlm } from './llm.js';
import { EVOLVE_HELP, runEvolve } from './evolve.js';
import { EXPERIMENT_HELP, runExperimentCli } from './experiment.js';
import { PRISM_HELP, runPrism } from './prism.js';
import { runUi, UI_HELP } from './ui.js';

const HELP = `evoplace — place LLM-serving work on GPU clusters

Usage: evoplace <group> <command> [options]

${PRISM_HELP}

${EPLB_HELP}

${LLM_HELP}

${COLOCATE_HELP}

${EVOLVE_HELP}

${EXPERIMENT_HELP}

${UI_HELP}

Run "evoplace <group> --help" for details.`;

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  switch (group) {
    case 'prism':
      return runPrism(rest);
    case 'eplb':
      return runEplb(rest);
    case 'llm':
      return runLlm(rest);
    case 'colocate':
      return runColocate(rest);
    case 'evolve':
      return runEvolve(rest);
    case 'experiment':
      return runExperimentCli(rest);
    case 'ui':
      return runUi(rest);
    case '--help':
    case '-h':
    case 'help':
      say(HELP);
      return 0;
    case '--version':
      say('evoplace 0.1.0');
      return 0;
    default:
      say(HELP);
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
