import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sandboxCapabilities } from '../sandbox/index.js';
import { externalTask } from './external.js';
import { resolveTask } from './index.js';
import { requireIsolation } from './isolation.js';

const shinka = fileURLToPath(new URL('../../../test/fixtures/shinka-task', import.meta.url));
const real = sandboxCapabilities();
const bare = { ...real, pidNamespace: false, networkNamespace: false, privateFilesystem: false };

describe('requireIsolation', () => {
  it('refuses an external task where the sandbox cannot hide our /proc, unless allowed', () => {
    const task = externalTask(shinka);
    expect(() => requireIsolation(task, false, bare)).toThrow(
      /neither bubblewrap nor user namespaces/,
    );
    expect(requireIsolation(task, true, bare)).toBe(task);
    expect(requireIsolation(task, false, { ...bare, pidNamespace: true })).toBe(task);
    expect(requireIsolation(task, false, { ...bare, privateFilesystem: true })).toBe(task);
  });

  it('lets built-in tasks through anywhere: Node’s permission model keeps them from /proc', () => {
    const task = resolveTask('prism');
    expect(requireIsolation(task, false, bare)).toBe(task);
  });
});
