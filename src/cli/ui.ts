import type { AddressInfo } from 'node:net';
import { basename, extname, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { RunStore } from '../evolve/database/store.js';
import { Progress } from '../core/progress.js';
import { solveBatch } from '../problems/prism/batch.js';
import { readInstancesFile } from '../problems/prism/model.js';
import {
  DEFAULT_SEED,
  DEFAULT_SOLVER,
  DEFAULT_TIME_LIMIT_MS,
} from '../problems/prism/solvers/index.js';
import type { PrismSet } from '../web/pages/prism.js';
import { createUiServer } from '../web/server.js';
import { intFlag, parseFlags } from './args.js';
import { say } from './output.js';

export const UI_HELP = `evoplace ui — look at runs and placements in a browser

  evoplace ui FILE [FILE ...] [--port 8080] [--host 127.0.0.1]

  FILE: a run database (.db: evolve run, experiment run) or PRISM instances (.json, placed
  with the search solver at start). Serves read-only pages until interrupted: runs, the score
  of every program by generation, each program's code, diff, metrics, feedback and prompt;
  each PRISM instance's placement, KV-cache pressure per GPU and models per GPU. Pages of a
  run still going reload themselves. --port 0 picks a free port; the address is printed on
  stderr.`;

/** Read a PRISM instances file and place every instance (progress on stderr). */
function placePrism(path: string): PrismSet {
  const instances = readInstancesFile(path);
  const progress = new Progress(`ui: placing ${basename(path)}`, instances.length);
  const result = solveBatch(
    instances,
    DEFAULT_SOLVER,
    { seed: DEFAULT_SEED, timeLimitMs: DEFAULT_TIME_LIMIT_MS },
    (done) => progress.update(done),
  );
  progress.finish();
  return { path, instances, result };
}

const DEFAULT_PORT = 8080;

/** Listen on host:port, turning a busy port or bad host into a user error. */
async function listen(server: ReturnType<typeof createUiServer>, port: number, host: string) {
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        new UserError(
          error.code === 'EADDRINUSE'
            ? `port ${port} is in use; choose another with --port (0 picks a free one)`
            : `cannot listen on ${host}:${port} (${error.message})`,
          'ui',
          error.code === 'EADDRINUSE' ? '--port' : '--host',
        ),
      ),
    );
    server.listen(port, host, done);
  });
  return (server.address() as AddressInfo).port;
}

export async function runUi(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('ui', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    say(UI_HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new UserError(
      'name at least one run database (.db) or PRISM instances file (.json); usage: evoplace ui FILE',
      'ui',
    );
  const kinds = positionals.map((path) => extname(path).toLowerCase());
  kinds.forEach((kind, i) => {
    if (kind !== '.db' && kind !== '.json')
      throw new UserError(
        'is neither a run database (.db) nor PRISM instances (.json)',
        positionals[i],
      );
  });
  const port = intFlag(values, 'port', DEFAULT_PORT, 0, 65535);
  const host = typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1';
  const stores: RunStore[] = [];
  try {
    // Databases first: a bad one is reported before any time goes into placing instances.
    for (const [i, path] of positionals.entries())
      if (kinds[i] === '.db') stores.push(RunStore.open(resolve(path)));
    const prism = positionals.filter((_, i) => kinds[i] === '.json').map(placePrism);
    const server = createUiServer({ runs: stores, prism });
    const bound = await listen(server, port, host);
    say(
      `evoplace ui: http://${host.includes(':') ? `[${host}]` : host}:${bound}/ (Ctrl-C to stop)`,
    );
    await new Promise<void>((stopped) => {
      const stop = (): void => void server.close(() => stopped());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } finally {
    for (const store of stores) store.close();
  }
}
