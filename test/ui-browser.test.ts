import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTILE, runDatabase, startUi } from './support/ui.js';

/** A phone's browser: it lays a page out as wide as the page asks (or 980 px when it asks nothing). */
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true };

/** Debian's chromium (CI installs it, see .ci/run), or the one CHROMIUM names. */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const dir = mkdtempSync(join(tmpdir(), 'evoplace-ui-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Serve `files` with `evoplace ui`, open it in headless Chromium (a browser of `context`: a
 * phone's with `isMobile`) and run `visit` on a page at its address; then assert that nothing went wrong in the browser (console errors, page errors,
 * dialogs) and shut both down.
 */
async function inBrowser(
  files: string | string[],
  visit: (page: Page, url: string) => Promise<void>,
  context: BrowserContextOptions = {},
) {
  const { ui, url } = await startUi(...[files].flat());
  // As root, Chromium needs --no-sandbox; the pages run no script anyway.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const problems: string[] = [];
  try {
    const page = await browser.newPage(context);
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));
    await visit(page, url);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
    ui.child.kill('SIGTERM');
    await ui.done;
  }
}

/**
 * Every address the dashboard at `url` links to, from the index on (breadth first), with the
 * status each answered.
 */
async function crawl(url: string): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  const queue = ['/'];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    if (statuses.has(path)) continue;
    const response = await fetch(new URL(path, url));
    statuses.set(path, response.status);
    for (const [, href] of (await response.text()).matchAll(/href="([^"]*)"/g))
      if (!href!.startsWith('data:')) queue.push(new URL(href!, new URL(path, url)).pathname);
  }
  return statuses;
}

describe.skipIf(!existsSync(CHROMIUM))('evoplace ui in a real browser (headless Chromium)', () => {
  it('links only to pages that exist, and lays each kind of page out on a phone without sideways scrolling', async () => {
    const files = [runDatabase(join(dir, 'crawl.db')), 'examples/colocate/a10g-whisper.json'];
    await inBrowser(
      files,
      async (page, url) => {
        const statuses = await crawl(url);
        expect([...statuses].filter(([, status]) => status !== 200)).toEqual([]);
        // One page of each kind (its address without the numbers), as a phone shows it.
        const kinds = new Map(
          [...statuses.keys()].map((path) => [path.replace(/\d+/g, 'N'), path]),
        );
        expect(kinds.size).toBe(5);
        for (const path of kinds.values()) {
          await page.goto(new URL(path, url).href);
          // The width the page was laid out at, and the width it scrolls over (in the page).
          const [laidOut, scrolled] = await page.evaluate<[number, number]>(
            '[document.documentElement.clientWidth, document.documentElement.scrollWidth]',
          );
          expect({ path, laidOut, scrolled }).toEqual({ path, laidOut: 390, scrolled: 390 });
          expect(await page.locator('nav a[href="/"]').count()).toBe(1);
        }
      },
      PHONE,
    );
  }, 60_000);

  it('shows the run, its chart and a program, runs no script, and logs no error', async () => {
    await inBrowser(runDatabase(join(dir, 'run.db')), async (page, url) => {
      await page.goto(url);
      expect(await page.title()).toBe('runs · evoplace');
      await page.click('a[href="/db/0/runs/1"]');
      await page.waitForURL(`${url}db/0/runs/1`);
      const chart = page.locator('svg[aria-label="score by generation"]');
      expect((await chart.boundingBox())!.width).toBeGreaterThan(600);
      expect(await chart.locator('circle').count()).toBe(3);
      await page.click('td > a[href="/db/0/runs/1/programs/2"]');
      await page.waitForURL(`${url}db/0/runs/1/programs/2`);
      // The LLM's markup shows as text, exactly, and never became elements.
      const code = page.locator('h2:text("Code") + pre');
      expect(await code.textContent()).toBe(HOSTILE);
      expect(await page.locator('body script, body img').count()).toBe(0);
      await page.click('a[href="/db/0/runs/1"]');
      await page.waitForURL(`${url}db/0/runs/1`);
    });
  }, 60_000);

  it("draws where a colocated GPU's memory goes, from the index down, and logs no error", async () => {
    await inBrowser('examples/colocate/a10g-whisper.json', async (page, url) => {
      await page.goto(url);
      await page.click('a[href="/colocate/0"]');
      await page.waitForURL(`${url}colocate/0`);
      await page.click('a[href="/colocate/0/0"]');
      await page.waitForURL(`${url}colocate/0/0`);
      const bar = page.locator('svg[aria-label="memory of the device, GiB"]');
      const parts = bar.locator('rect');
      expect(await parts.count()).toBe(7);
      // The parts lie side by side and fill the device up to its end mark (nothing is over).
      const boxes = await Promise.all((await parts.all()).map((r) => r.boundingBox()));
      for (let i = 1; i < boxes.length; i++)
        expect(boxes[i]!.x).toBeCloseTo(boxes[i - 1]!.x + boxes[i - 1]!.width, 0);
      const mark = (await bar.locator('line').boundingBox())!;
      const end = boxes.at(-1)!.x + boxes.at(-1)!.width;
      expect(Math.abs(mark.x + mark.width / 2 - end)).toBeLessThan(2);
    });
  }, 60_000);
});
