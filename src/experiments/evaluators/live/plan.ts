import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Params } from '../../../evolve/genomes/params/index.js';
import { fillShellTemplate } from '../command.js';
import type { Audio } from './openai-load.js';
import type { LiveEvaluatorSettings } from './settings.js';

/** A candidate's commands, filled in before anything runs, and the audio it will send. */
export interface Plan {
  apply: string[];
  restore: string[];
  audio: Audio | null;
}

/** The candidate's plan; throws (naming the placeholder or the file) before anything runs. */
export function planFor(settings: LiveEvaluatorSettings, specDir: string, params: Params): Plan {
  const fill = (templates: string[]) => templates.map((t) => fillShellTemplate(t, params));
  let audio: Plan['audio'] = null;
  if (settings.transcription) {
    const path = resolve(specDir, settings.transcription.audioFile);
    try {
      audio = { name: basename(path), bytes: readFileSync(path) };
    } catch (error) {
      throw new Error(`cannot read the transcription audio file: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return { apply: fill(settings.apply), restore: fill(settings.restore), audio };
}
