import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { RunStore } from '../evolve/database/store.js';
import { createUiServer } from '../web/server.js';
import { intFlag, parseFlags } from './args.js';
import { say } from './output.js';

export const UI_HELP = `evoplace ui — look at evolution runs and experiments in a browser

  evoplace ui RUN.db [MORE.db ...] [--port 8080] [--host 127.0.0.1]

  Serves read-only pages of every run in the databases (evolve run, experiment run): runs,
  the score of every program by generation, each program's code, diff, metrics, feedback and
  prompt, until interrupted. Pages of a run still going reload themselves. --port 0 picks a
  free port; the address is printed on stderr.`;

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
    throw new UserError('name at least one run database; usage: evoplace ui RUN.db', 'ui');
  const port = intFlag(values, 'port', DEFAULT_PORT, 0, 65535);
  const host = typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1';
  const stores: RunStore[] = [];
  try {
    for (const path of positionals) stores.push(RunStore.open(resolve(path)));
    const server = createUiServer(stores);
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
