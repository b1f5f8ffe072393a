import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { runKind, type RunStore } from '../evolve/database/store.js';
import { escapeHtml, page, markup } from './html.js';
import { colocateProblemPage, colocateSetPage, type ColocateSet } from './pages/colocate.js';
import { eplbSetPage, type EplbSet } from './pages/eplb.js';
import { indexPage } from './pages/index.js';
import { llmSetPage, type LlmSet } from './pages/llm.js';
import { prismInstancePage, prismSetPage, type PrismSet } from './pages/prism.js';
import { candidatePage } from './pages/candidate.js';
import { programPage } from './pages/program.js';
import { runPage } from './pages/run.js';
import { pageNumbers, TABLES, type PageNumbers, type Table } from './paging.js';

/**
 * No script may run and nothing may load from elsewhere: pages carry LLM-written text, and
 * however it is escaped, a policy that allows no script is the second lock.
 */
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** A page from its path's match and the page of each of its tables; null for none such. */
type Route = (match: RegExpExecArray, pages: PageNumbers) => string | null;

/** What the dashboard shows: run databases and each problem's files, each numbered by its order. */
export interface UiSources {
  runs: readonly RunStore[];
  prism: readonly PrismSet[];
  colocate: readonly ColocateSet[];
  llm: readonly LlmSet[];
  eplb: readonly EplbSet[];
}

/**
 * The dashboard's pages: null for a page that does not exist. A page with tables long enough
 * to page names the query parameters that page them; any other page takes no query.
 */
function routes(sources: UiSources): [RegExp, Route, (readonly Table[])?][] {
  const { runs: stores, prism, colocate, llm, eplb } = sources;
  const store = (db: string): RunStore | null => stores[Number(db)] ?? null;
  return [
    [/^\/$/, () => indexPage(sources)],
    [
      /^\/colocate\/(\d{1,6})$/,
      ([, i]) => (colocate[Number(i)] ? colocateSetPage(colocate[Number(i)]!, Number(i)) : null),
    ],
    [
      /^\/colocate\/(\d{1,6})\/(\d{1,9})$/,
      ([, i, k]) => {
        const set = colocate[Number(i)];
        return set?.problems[Number(k)] ? colocateProblemPage(set, Number(i), Number(k)) : null;
      },
    ],
    [/^\/llm\/(\d{1,6})$/, ([, i]) => (llm[Number(i)] ? llmSetPage(llm[Number(i)]!) : null)],
    [/^\/eplb\/(\d{1,6})$/, ([, i]) => (eplb[Number(i)] ? eplbSetPage(eplb[Number(i)]!) : null)],
    [
      /^\/prism\/(\d{1,6})$/,
      ([, i]) => (prism[Number(i)] ? prismSetPage(prism[Number(i)]!, Number(i)) : null),
    ],
    [
      /^\/prism\/(\d{1,6})\/(\d{1,9})$/,
      ([, i, k]) => {
        const set = prism[Number(i)];
        return set?.instances[Number(k)] ? prismInstancePage(set, Number(i), Number(k)) : null;
      },
    ],
    [
      /^\/db\/(\d{1,6})\/runs\/(\d{1,12})$/,
      ([, db, id], pages) => {
        const s = store(db!);
        const run = s?.run(Number(id));
        return s && run ? runPage(s, Number(db), run, pages) : null;
      },
      TABLES,
    ],
    [
      /^\/db\/(\d{1,6})\/runs\/(\d{1,12})\/programs\/(\d{1,12})$/,
      ([, db, runId, id]) => {
        const s = store(db!);
        const run = s?.run(Number(runId));
        const program = run ? s!.programOfRun(run.id, Number(id)) : null;
        if (!run || !program) return null;
        return runKind(run) === 'experiment'
          ? candidatePage(Number(db), run, program)
          : programPage(Number(db), run, program, s!.heldOutScores(run.id).get(program.id));
      },
    ],
  ];
}

function respond(res: ServerResponse, status: number, body: string, head = false): void {
  res.writeHead(status, HEADERS);
  res.end(head ? undefined : body);
}

function notFound(path: string): string {
  return page(
    'not found',
    markup`<h1>Not found</h1>
      <p>Nothing at ${path}.</p>`,
  );
}

/**
 * The dashboard as an HTTP server (not yet listening): read-only pages of `sources`, GET and
 * HEAD only. A fault of ours answers 500 with the message, never a stack trace.
 */
export function createUiServer(sources: UiSources): Server {
  const table = routes(sources);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    try {
      // One address per page: a number with a leading zero (`/programs/01`) names none.
      for (const [pattern, route, tables = []] of /\/0\d/.test(path) ? [] : table) {
        const match = pattern.exec(path);
        const pages = match && pageNumbers(url.search.slice(1), tables);
        const body = pages ? route(match, pages) : null;
        if (body !== null) return respond(res, 200, body, head);
      }
      respond(res, 404, notFound(`${path}${url.search}`), head);
    } catch (error) {
      respond(res, 500, `<!doctype html><p>${escapeHtml((error as Error).message)}</p>`, head);
    }
  });
}
