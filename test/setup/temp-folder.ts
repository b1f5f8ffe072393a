import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temporary folder a test run makes (the tests' own, the CLI's they start, the sandbox's
 * work folders) goes into one folder of the run, removed at the end: tests need not clean up
 * after themselves, and a run leaves nothing behind in the system's temporary folder.
 * TMPDIR is set before the test workers start, so they and their children inherit it.
 */
export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'evoplace-tests-'));
  process.env.TMPDIR = folder;
  return () => rmSync(folder, { recursive: true, force: true });
}
