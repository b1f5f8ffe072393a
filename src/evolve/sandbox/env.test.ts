import { describe, expect, it } from 'vitest';
import { sandboxEnv } from './env.js';

describe('sandboxEnv', () => {
  const parent = {
    PATH: '/usr/bin',
    LANG: 'C.UTF-8',
    OPENAI_API_KEY: 'sk-secret',
    ANTHROPIC_API_KEY: 'sk-ant-secret',
    NODE_OPTIONS: '--require /evil.js',
    HOME: '/root',
  };

  it('passes only the allow-list, with HOME and TMPDIR set to the temp directory', () => {
    expect(sandboxEnv('/tmp/run', {}, parent)).toEqual({
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      HOME: '/tmp/run',
      TMPDIR: '/tmp/run',
    });
  });

  it('adds the extras with {dir} replaced, but never lets them move HOME or TMPDIR', () => {
    const env = sandboxEnv('/tmp/run', { PYTHONPATH: '{dir}/lib', HOME: '/root' }, parent);
    expect(env.PYTHONPATH).toBe('/tmp/run/lib');
    expect(env.HOME).toBe('/tmp/run');
  });
});
