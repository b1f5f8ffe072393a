import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPERIMENT_TASK_PREFIX, RunStore } from '../src/evolve/database/store.js';
import { evoplace, startEvoplace } from './cli.js';
import { HELD_OUT_MESSAGE, longRunDatabase, runDatabase, startUi } from './support/ui.js';

const dir = mkdtempSync(join(tmpdir(), 'evoplace-ui-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ids a run page's table links to, in its order (the best program's link is no cell). */
const rowIds = (page: string): number[] =>
  [...page.matchAll(/<td><a href="\/db\/0\/runs\/1\/programs\/(\d+)">/g)].map((m) => Number(m[1]));

/** first, first + 1, …, last. */
const range = (first: number, last: number): number[] =>
  Array.from({ length: last - first + 1 }, (_, i) => first + i);

/** Assert that each of `paths` under `url` answers 404 with the dashboard's not-found page. */
async function expectNotFound(url: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const response = await fetch(`${url}${path}`);
    expect(response.status, path).toBe(404);
    expect(await response.text()).toContain('<h1>Not found</h1>');
  }
}

/** A thousands separator as the pages write it (a narrow no-break space). */
const THOUSANDS = '\u202f';

describe('evoplace ui', () => {
  it("counts an experiment run's generations as the run reported them", async () => {
    const db = join(dir, 'experiment.db');
    const run = evoplace(
      ['experiment', 'run', 'gpu-colocation', '--db', db, '--json'],
      undefined,
      dir,
    );
    expect(run.code, run.stderr).toBe(0);
    const { generations } = JSON.parse(run.stdout) as { generations: number };
    const { ui, url } = await startUi(db);
    try {
      const index = await (await fetch(url)).text();
      expect(index).toMatch(
        new RegExp(
          `experiment:gpu-colocation</td>\\s*<td>\\w+</td>\\s*<td class="num">${generations}</td>`,
        ),
      );
      // Its pages show configurations and fitness, none of an evolve run's LLM columns.
      const runPage = await (await fetch(`${url}db/0/runs/1`)).text();
      expect(runPage).toMatch(/<td>gpu_memory_utilization=0\.\d+ · whisper_size=\w+<\/td>/);
      expect(runPage).toContain('<th>why not</th>');
      expect(runPage).not.toContain('<th class="num">island</th>');
      const id = /\/db\/0\/runs\/1\/programs\/(\d+)/.exec(runPage)![1];
      const candidate = await (await fetch(`${url}db/0/runs/1/programs/${id}`)).text();
      expect(candidate).toContain(`<h1>Candidate ${id}</h1>`);
      expect(candidate).toMatch(/<th>whisper_size<\/th>/);
      expect(candidate).not.toContain('held-out');
    } finally {
      ui.child.kill('SIGTERM');
    }
  });

  it('says a running run whose process is gone is so, and stops reloading its page', async () => {
    const db = runDatabase(join(dir, 'dead.db'));
    // The pid of a process that has exited: the lock a killed run leaves names such a one.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    writeFileSync(`${db}.lock`, `${gone}\n`);
    const { ui, url } = await startUi(db);
    try {
      const status = `running (process ${gone} gone: evolve resume continues it)`;
      expect(await (await fetch(url)).text()).toContain(`<td>${status}</td>`);
      const run = await (await fetch(`${url}db/0/runs/1`)).text();
      expect(run).toContain(status);
      expect(run).not.toContain('http-equiv="refresh"');
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
  });

  it("says so of an experiment run too, whose lock is the run's own", async () => {
    const db = join(dir, 'dead-experiment.db');
    const store = RunStore.create(db);
    store.createRun(`${EXPERIMENT_TASK_PREFIX}steady`, {}, 0);
    store.createRun(`${EXPERIMENT_TASK_PREFIX}steady`, {}, 0);
    store.close();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    // Run 2 was killed; run 1 is still driven by a live process (this one).
    writeFileSync(`${db}.run-2.lock`, `${gone}\n`);
    writeFileSync(`${db}.run-1.lock`, `${process.pid}\n`);
    const { ui, url } = await startUi(db);
    try {
      const index = await (await fetch(url)).text();
      expect(index).toContain(
        `<td>running (process ${gone} gone: experiment resume continues it)</td>`,
      );
      expect(index.match(/<td>running<\/td>/g)).toHaveLength(1);
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
  });

  it('serves the runs, a run and its programs, read-only, with what the LLM wrote escaped', async () => {
    const { ui, url } = await startUi(runDatabase(join(dir, 'run.db')));
    try {
      const index = await fetch(url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      const indexText = await index.text();
      expect(indexText).toContain('<a href="/db/0/runs/1">run 1</a>');
      expect(indexText).toContain('22.3385');

      const run = await (await fetch(`${url}db/0/runs/1`)).text();
      expect(run.match(/<circle/g)).toHaveLength(3);
      expect(run).toContain('<a href="/db/0/runs/1/programs/2">2</a>');
      expect(run).toContain('http-equiv="refresh"');
      expect(run).toContain('scores never vary &lt;script&gt;');
      // The held-out score beside the run's best, and among the events.
      expect(run.split(HELD_OUT_MESSAGE.replace("'", '&#39;'))).toHaveLength(3);
      // Each program's held-out score in its row and as a square on the chart.
      expect(run).toMatch(/<td class="num">22\.1<\/td>/);
      expect(run).toMatch(/<td class="num"><span class="bad">incorrect<\/span><\/td>/);
      expect(run.match(/<rect/g)).toHaveLength(2);
      // The held-out curve of the checks made during the run.
      expect(run).toContain('stroke="#c26401" stroke-width="1.5" stroke-dasharray="4 3"');
      // All on one page: no paging.
      expect(run).not.toMatch(/\?(page|events)=|>next</);

      const program = await (await fetch(`${url}db/0/runs/1/programs/2`)).text();
      expect(program).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(program).toContain('feedback &lt;script&gt;');
      expect(program).not.toMatch(/<script|<img/);
      expect(program).toContain('<a href="/db/0/runs/1/programs/1">1</a>');
      expect(program).toMatch(/held-out score<\/th>\s*<td>22\.1<\/td>/);
      expect(program).toContain('held &lt;script&gt;');
      const unscored = await (await fetch(`${url}db/0/runs/1/programs/3`)).text();
      expect(unscored).toContain('not scored (evolve holdout)');

      await expectNotFound(url, [
        'db/0/runs/9',
        'db/3/runs/1',
        'db/0/runs/1/programs/99',
        'db/0/runs/1/programs/01',
        'db/00/runs/1',
        '..%2Fetc/passwd',
        'db/0/runs/1?page=2',
        'db/0/runs/1?events=2',
        'db/0/runs/1/programs/2?page=1',
        '?page=1',
      ]);
      expect((await fetch(url, { method: 'POST', body: 'x' })).status).toBe(405);
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
  });

  it("pages a long run's programs and events, 500 rows a page, its chart over every program", async () => {
    const { ui, url } = await startUi(longRunDatabase(join(dir, 'long.db'), 'prism', 1200, 1100));
    const text = async (path: string): Promise<string> => (await fetch(`${url}${path}`)).text();
    try {
      const first = await text('db/0/runs/1');
      expect(rowIds(first)).toEqual(range(1, 500));
      expect(first.match(/<circle/g)).toHaveLength(1200);
      // Above and below each table: which rows, of how many, and the links to other pages.
      expect(first.split(`programs 1–500 of 1${THOUSANDS}200`)).toHaveLength(3);
      expect(first.split('<a href="/db/0/runs/1?page=2">next</a>')).toHaveLength(3);
      expect(first).toContain('<a href="/db/0/runs/1?page=3">last</a>');
      expect(first).toContain('<span class="muted">previous</span>');
      expect(first.match(/<td>migration<\/td>/g)).toHaveLength(500);
      expect(first).toContain(`events 1–500 of 1${THOUSANDS}100`);
      expect(first).toContain('<a href="/db/0/runs/1?events=3">last</a>');
      expect(await text('db/0/runs/1?page=1')).toBe(first);

      const last = await text('db/0/runs/1?page=3');
      expect(rowIds(last)).toEqual(range(1001, 1200));
      expect(last).toContain(`programs 1${THOUSANDS}001–1${THOUSANDS}200 of 1${THOUSANDS}200`);
      expect(last).toContain(
        '<a href="/db/0/runs/1">first</a> · <a href="/db/0/runs/1?page=2">previous</a>',
      );
      expect(last).toContain('<span class="muted">next</span> · <span class="muted">last</span>');

      // Each table pages on its own: its links keep the other on its page.
      const both = await text('db/0/runs/1?page=2&events=3');
      expect(rowIds(both)).toEqual(range(501, 1000));
      expect(both).toContain('<a href="/db/0/runs/1?page=3&amp;events=3">next</a>');
      expect(both).toContain('<a href="/db/0/runs/1?page=2&amp;events=2">previous</a>');
      expect(both).toContain('<a href="/db/0/runs/1?page=2">first</a>');
      expect(both).toContain(`events 1${THOUSANDS}001–1${THOUSANDS}100 of 1${THOUSANDS}100`);
      expect(both).toContain('<td class="text">event 1001</td>');

      // Not a page number as the pages write one, past the last page, or no table of the page.
      const queries = [
        'page=0',
        'page=01',
        'page=x',
        'page=999999',
        'page=4',
        'events=4',
        'page=1&page=2',
        'sort=id',
      ];
      await expectNotFound(
        url,
        queries.map((query) => `db/0/runs/1?${query}`),
      );
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
  });

  it("pages a long experiment run's candidates", async () => {
    const db = longRunDatabase(join(dir, 'long-experiment.db'), 'experiment:steady', 600, 0);
    const { ui, url } = await startUi(db);
    try {
      const first = await (await fetch(`${url}db/0/runs/1`)).text();
      expect(rowIds(first)).toEqual(range(1, 500));
      expect(first).toContain('<td>n=499</td>');
      expect(first.split('candidates 1–500 of 600')).toHaveLength(3);
      expect(first).toContain('<a href="/db/0/runs/1?page=2">next</a>');
      const last = await (await fetch(`${url}db/0/runs/1?page=2`)).text();
      expect(rowIds(last)).toEqual(range(501, 600));
      expect(last).toContain('candidates 501–600 of 600');
      expect(last.match(/<circle/g)).toHaveLength(600);
      // No events: one page, empty.
      expect(last).toContain('<p class="muted">none</p>');
      await expectNotFound(url, ['db/0/runs/1?page=3', 'db/0/runs/1?events=2']);
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
  });

  it('serves the index and a run of 200 000 programs (no call spreads them into arguments)', async () => {
    const { ui, url } = await startUi(longRunDatabase(join(dir, 'huge.db'), 'prism', 200_000, 0));
    try {
      const index = await fetch(url);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain(`<td class="num">199999</td>`);
      const run = await fetch(`${url}db/0/runs/1`);
      expect(run.status).toBe(200);
      expect((await run.text()).length).toBeLessThan(2_000_000);
    } finally {
      ui.child.kill('SIGTERM');
    }
  }, 60_000);

  it('compares the runs of one task across databases on one chart', async () => {
    const [a, b] = [runDatabase(join(dir, 'a.db')), runDatabase(join(dir, 'b.db'))];
    const { ui, url } = await startUi(a, b);
    try {
      const index = await (await fetch(url)).text();
      expect(index).toContain('prism: best score by generation');
      expect(index.match(/<path d=/g)).toHaveLength(2);
      expect(index).toContain('a.db · run 1 (db 0)');
      expect(index).toContain('b.db · run 1 (db 1)');
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
    // One run alone is nothing to compare.
    const single = await startUi(a);
    try {
      expect(await (await fetch(single.url)).text()).not.toContain('best score by generation');
    } finally {
      single.ui.child.kill('SIGTERM');
    }
    await single.ui.done;
  });

  it('places PRISM instances and shows each GPU: memory, load, pressure and models', async () => {
    const file = join(dir, 'cluster.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: 'two-gpus',
          gpus: { count: 2, memGb: 80 },
          models: [
            { name: '<b>hot</b>', sizeGb: 30, reqRate: 8, slo: 2 },
            { name: 'warm', sizeGb: 20, reqRate: 2, slo: 2 },
            { name: 'cold', sizeGb: 10, reqRate: 1, slo: 4 },
          ],
        },
        {
          id: 'too-big',
          gpus: { count: 1, memGb: 10 },
          models: [{ name: 'm', sizeGb: 20, reqRate: 1, slo: 1 }],
        },
      ]),
    );
    const { ui, url } = await startUi(file);
    try {
      const index = await (await fetch(url)).text();
      expect(index).toContain('<a href="/prism/0">');
      const set = await (await fetch(`${url}prism/0`)).text();
      expect(set).toContain('<a href="/prism/0/0">two-gpus</a>');
      expect(set).toContain('infeasible');
      const instance = await (await fetch(`${url}prism/0/0`)).text();
      // The hot model alone on one GPU (pressure 4 / 50), the two others on the other (1.25 / 50).
      expect(instance.match(/<rect/g)).toHaveLength(2);
      expect(instance).toContain('&lt;b&gt;hot&lt;/b&gt;');
      expect(instance).not.toContain('<b>hot');
      expect(instance).toMatch(/max KVPR 0\.08\b/);
      expect(await (await fetch(`${url}prism/0/1`)).text()).toContain('No placement');
      expect((await fetch(`${url}prism/0/2`)).status).toBe(404);
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
  });

  it("solves colocate problems and shows where each GPU's memory goes", async () => {
    const { ui, url } = await startUi('examples/colocate/a10g-whisper.json');
    try {
      const index = await (await fetch(url)).text();
      expect(index).toContain('<a href="/colocate/0">examples/colocate/a10g-whisper.json</a>');
      const set = await (await fetch(`${url}colocate/0`)).text();
      expect(set).toContain('<a href="/colocate/0/0">a10g-llama-fp8</a>');
      expect(set).toMatch(/<td class="num">0\.74<\/td>\s*<td>base<\/td>/);
      expect(set).toContain('no valid configuration: with Whisper tiny');
      const problem = await (await fetch(`${url}colocate/0/0`)).text();
      // Seven parts of the device's memory, each a rect, and the device's end marked.
      expect(problem.match(/<rect/g)).toHaveLength(7);
      expect(problem).toContain('KV cache');
      expect(await (await fetch(`${url}colocate/0/2`)).text()).toContain('No valid configuration');
      expect((await fetch(`${url}colocate/0/3`)).status).toBe(404);
      expect((await fetch(`${url}colocate/1`)).status).toBe(404);
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
  });

  it("draws an llm pool's cost-throughput frontier and its cheapest placement per batch", async () => {
    const config = join(dir, 'pool');
    mkdirSync(config, { recursive: true });
    writeFileSync(
      join(config, 'config.csv'),
      'parameter,value\nsequence_length,4096\nmin_batch_size,32\nmax_batch_size,64\nmodel_name,<i>llama-8b</i>\n' +
        'num_decoder_layers,32\nd_model,4096\nd_hidden,14336\nlayer_weight_memory_gb,0.5\nbytes_per_element,2\n' +
        'max_pipeline_stages,4\nmin_layers_per_stage,4\n',
    );
    writeFileSync(
      join(config, 'gpu_pool.csv'),
      'gpu_type,count,memory_gb,dollar_per_hour\nA100,2,80,4.1\nV100,2,32,3.06\n',
    );
    const ids = [0, 1, 2, 3].map((g) => `gpu_${g}`);
    const rows = ids.map(
      (id, a) =>
        `${id},${ids.map((_, b) => (a === b ? 10000 : Math.floor(a / 2) === Math.floor(b / 2) ? 300 : 100)).join(',')}`,
    );
    writeFileSync(join(config, 'network_bandwidth.csv'), [`,${ids.join(',')}`, ...rows].join('\n'));
    const { ui, url } = await startUi(config);
    try {
      const index = await (await fetch(url)).text();
      expect(index).toContain('<a href="/llm/0">');
      expect(index).toContain('&lt;i&gt;llama-8b&lt;/i&gt;');
      const frontier = await (await fetch(`${url}llm/0`)).text();
      expect(frontier).toContain('<svg');
      expect(frontier).toContain('batch 32');
      expect(frontier).toContain('batch 64');
      expect(frontier).toMatch(/A100 × \d \(layers 1–/);
      expect(frontier).not.toContain('<i>');
      expect(frontier).toContain('performance model roofline');
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
    // The llm flags pick the performance model (and prices), as for llm solve.
    const seeded = await startUi(config, '--perf-model', 'seed');
    try {
      expect(await (await fetch(`${seeded.url}llm/0`)).text()).toContain('performance model seed');
    } finally {
      seeded.ui.child.kill('SIGTERM');
    }
    expect((await seeded.ui.done).code).toBe(0);
  });

  it("replays an expert-load trace through every algorithm and maps each GPU's load", async () => {
    const trace = join(dir, 'trace.json');
    const generated = evoplace([
      'eplb',
      'generate',
      '--steps',
      '300',
      '--layers',
      '4',
      '--experts',
      '16',
      '--groups',
      '4',
      '--seed',
      '3',
    ]);
    writeFileSync(trace, generated.stdout);
    const shape = ['--replicas', '24', '--groups', '4', '--nodes', '2', '--gpus', '4'];
    const { ui, url } = await startUi(trace, ...shape);
    try {
      const index = await (await fetch(url)).text();
      expect(index).toContain('<a href="/eplb/0">');
      expect(index).toContain('24 / 4 / 2 / 4');
      const page = await (await fetch(`${url}eplb/0`)).text();
      for (const algo of ['deepseek', 'balanced', 'global'])
        expect(page).toContain(`<td>${algo}</td>`);
      // 4 layers × 4 GPUs, and no broken invariant.
      expect(page.match(/<rect/g)).toHaveLength(16);
      expect(page).not.toMatch(/class="bad">[1-9]/);
      expect((await fetch(`${url}eplb/1`)).status).toBe(404);
    } finally {
      ui.child.kill('SIGTERM');
    }
    expect((await ui.done).code).toBe(0);
    const noShape = evoplace(['ui', trace]);
    expect(noShape.code).toBe(2);
    expect(noShape.stderr).toContain(
      "trace.json: an expert-load trace needs the cluster's shape: --replicas R --groups G --nodes N --gpus M",
    );
    const badShape = evoplace(['ui', trace, ...shape.slice(0, -1), '3']);
    expect(badShape.code).toBe(2);
    expect(badShape.stderr).toContain('trace.json');
  });

  it('stops cleanly on Ctrl-C sent the moment it prints its address, every time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evoplace-ui-'));
    const db = runDatabase(join(dir, 'run.db'));
    // The handler was installed just after the address was printed: a quick script won the race.
    for (let attempt = 0; attempt < 12; attempt++) {
      const ui = startEvoplace(['ui', db, '--port', '0']);
      ui.child.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('http://')) ui.child.kill('SIGINT');
      });
      expect(await ui.done, `attempt ${attempt}`).toMatchObject({ code: 0 });
    }
  }, 60_000);

  it('refuses what it cannot serve: one clear line, exit 2', async () => {
    const notDb = join(dir, 'not-a-db.db');
    writeFileSync(join(dir, 'notes.txt'), 'a note');
    mkdirSync(join(dir, 'empty-config'), { recursive: true });
    writeFileSync(notDb, 'hello, not sqlite at all, just text that is long enough to be a header');
    writeFileSync(join(dir, 'other.json'), '{"hello": 1}');
    for (const [args, message] of [
      [[], /name at least one run database/],
      [
        [join(dir, 'notes.txt')],
        /notes\.txt: is neither a run database \(\.db\), a problem file \(\.json\) nor an llm config directory/,
      ],
      [[join(dir, 'nowhere')], /nowhere: no such file or directory/],
      [
        [join(dir, 'other.json'), '--prices', 'x.csv'],
        /--prices: says how an llm config directory is rated and priced, and none was given/,
      ],
      [[join(dir, 'missing.json')], /missing\.json/],
      [
        [join(dir, 'empty-config')],
        /empty-config: is a folder without config\.csv, so not an llm config directory/,
      ],
      [[join(dir, 'absent.db')], /absent\.db: cannot open the run database/],
      [[notDb], /not-a-db\.db: not a usable SQLite database/],
      [
        [join(dir, 'other.json')],
        /other\.json: is none of the JSON files ui shows: an expert-load/,
      ],
      [
        [runDatabase(join(dir, 'ports.db')), '--port', '70000'],
        /--port: expected an integer from 0 to 65535/,
      ],
      [
        [join(dir, 'ports.db'), '--replicas', '-1', '--window', '0'],
        /ui: --replicas, --window: describes the cluster of an expert-load trace, and no trace was given/,
      ],
    ] as const) {
      const run = evoplace(['ui', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const busy = createServer();
    await new Promise<void>((listening) => busy.listen(0, '127.0.0.1', listening));
    const port = (busy.address() as { port: number }).port;
    try {
      const run = startEvoplace(['ui', join(dir, 'ports.db'), '--port', String(port)]);
      const done = await run.done;
      expect(done.code).toBe(2);
      expect(done.stderr).toMatch(new RegExp(`port ${port} is in use`));
    } finally {
      busy.close();
    }
  });
});
