import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readYamlChecked } from '../core/yaml-located.js';
import { UserError } from '../core/errors.js';
import { resolveInside } from '../core/paths.js';
import { experimentSpecSchema, type ExperimentSpec } from './spec.js';

/** Built-in experiment specs ship as `experiments/<name>.yaml` at the package root. */
const BUILT_IN_DIR = fileURLToPath(new URL('../../experiments/', import.meta.url));

export function builtInExperiments(): string[] {
  return readdirSync(BUILT_IN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

export interface LoadedExperiment {
  spec: ExperimentSpec;
  path: string;
  /** Where relative paths of the spec resolve: the spec's folder, or for a built-in the current one. */
  dir: string;
  /** What `dir` is, for messages. */
  dirName: string;
}

/** A spec from a YAML file, or a built-in by name; errors name the file, line and key. */
export function loadExperiment(nameOrPath: string): LoadedExperiment {
  const isPath = /[/\\]|\.ya?ml$/.test(nameOrPath);
  const path = isPath ? resolve(nameOrPath) : resolve(BUILT_IN_DIR, `${nameOrPath}.yaml`);
  if (!isPath && !existsSync(path))
    throw new UserError(
      `no built-in experiment "${nameOrPath}"; built in: ${builtInExperiments().join(', ')} (or give a SPEC.yaml path)`,
    );
  const spec = readYamlChecked(path, experimentSpecSchema);
  return isPath
    ? { spec, path, dir: dirname(path), dirName: "the spec's folder" }
    : { spec, path, dir: process.cwd(), dirName: 'the current directory' };
}

/**
 * The settings file the spec's promotion writes (absolute, links resolved), checked before a
 * run: `promotion.file` must stay inside the spec's folder (see resolveInside), and that folder,
 * where the promotion file goes, must be writable. Null when the spec promotes nothing.
 */
export function promotionTarget(loaded: LoadedExperiment): string | null {
  const { promotion } = loaded.spec;
  if (!promotion) return null;
  const target = resolveInside(loaded.dir, promotion.file, {
    source: loaded.path,
    field: 'promotion.file',
    folderName: loaded.dirName,
  });
  try {
    accessSync(loaded.dir, constants.W_OK);
  } catch {
    throw new UserError(
      `${loaded.dirName} (${loaded.dir}) is not writable, and the promotion file is written there; make it writable or drop \`promotion\``,
      loaded.path,
      'promotion',
    );
  }
  return target;
}
