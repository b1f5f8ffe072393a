import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTILE, runDatabase, startUi } from './support/ui.js';

/** Debian's chromium (CI installs it, see .ci/run), or the one CHROMIUM names. */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const dir = mkdtempSync(join(tmpdir(), 'evoplace-ui-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(CHROMIUM))('evoplace ui in a real browser (headless Chromium)', () => {
  it('shows the run, its chart and a program, runs no script, and logs no error', async () => {
    const { ui, url } = await startUi(runDatabase(join(dir, 'run.db')));
    // As root, Chromium needs --no-sandbox; the pages run no script anyway.
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const problems: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));
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
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      ui.child.kill('SIGTERM');
      await ui.done;
    }
  }, 60_000);
});
