import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { sandboxCapabilities } from './capabilities.js';
import { CGROUP_PREFIX } from './cgroup.js';
import { runSandboxed, runSandboxedWith } from './run.js';
import type { SandboxCapabilities, SandboxSpec } from './types.js';

const capabilities = sandboxCapabilities();
/** The same machine without namespaces: what a container that forbids them gets. */
const FALLBACK: SandboxCapabilities = {
  ...capabilities,
  pidNamespace: false,
  networkNamespace: false,
  privateFilesystem: false,
};
/** The real interpreter (not a version manager's shim), so that children start fast. */
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).trim();

const LIMITS = { timeoutMs: 20_000, memoryMb: 256, maxOutputBytes: 64 * 1024 };

/** Any program, with the usual limits. */
function programSpec(argv: string[], extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return { argv, ...LIMITS, ...extra };
}

/** A Node child under the permission model, running `code` as main.mjs in its temp directory. */
function nodeSpec(code: string, extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return programSpec([process.execPath, 'main.mjs'], {
    files: { 'main.mjs': code },
    node: {},
    ...extra,
  });
}

function pythonSpec(code: string, extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return programSpec([PYTHON, '-c', code], extra);
}

function shellSpec(script: string, extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return programSpec(['/bin/sh', '-c', script], extra);
}

/** A Node snippet that runs `action` and prints `ok` or the error's code. */
function attempt(action: string): string {
  return `try { ${action}; console.log('ok'); } catch (error) { console.log(error.code ?? error.message); }`;
}

describe('environment', () => {
  it('shows a child nothing of ours but the allow-list: no API key', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-must-not-leak';
    try {
      const result = await runSandboxed(
        nodeSpec('console.log(JSON.stringify({ env: process.env, cwd: process.cwd() }));', {
          env: { TASK_SEED: '7' },
        }),
      );
      const { env, cwd } = JSON.parse(result.stdout) as {
        env: Record<string, string>;
        cwd: string;
      };
      expect(env.OPENAI_API_KEY).toBeUndefined();
      expect(result.stdout).not.toContain('sk-test-must-not-leak');
      for (const name of Object.keys(env)) {
        // bwrap sets PWD to the folder it starts the program in: the temp directory.
        expect(['PATH', 'LANG', 'LC_ALL', 'TZ', 'HOME', 'TMPDIR', 'PWD', 'TASK_SEED']).toContain(
          name,
        );
      }
      expect(env.HOME).toBe(cwd);
      if (env.PWD !== undefined) expect(env.PWD).toBe(cwd);
      expect(env.TMPDIR).toBe(cwd);
      expect(env.TASK_SEED).toBe('7');
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  it('runs a python child, which sees no API key either', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-must-not-leak';
    try {
      const result = await runSandboxed(
        pythonSpec('import os, sys; print(sys.version_info[0], os.environ.get("OPENAI_API_KEY"))'),
      );
      expect(result.exitCode).toBe(0);
      expect(result.stdout.trim()).toBe('3 None');
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  it.skipIf(!capabilities.pidNamespace)(
    'hides our process (and its environ) from the child',
    async () => {
      const code = `import os; print(os.path.exists('/proc/${process.pid}/environ'), os.getpid())`;
      const inside = await runSandboxed(pythonSpec(code));
      // The namespace's first process (bwrap's init, or the program under unshare) is 1.
      expect(inside.stdout.trim()).toMatch(/^False [12]$/);
      const outside = await runSandboxedWith(pythonSpec(code), FALLBACK);
      expect(outside.stdout.trim().split(' ')[0]).toBe('True');
    },
  );
});

/** Whether bubblewrap is installed here (CI installs it; see .ci/run). */
const BWRAP_INSTALLED = (() => {
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('private file system (bubblewrap)', () => {
  it.skipIf(!BWRAP_INSTALLED)('is found wherever bwrap is installed', () => {
    expect(capabilities.privateFilesystem).toBe(true);
  });

  it.skipIf(!capabilities.privateFilesystem)(
    'shows a python child its own folder and the system, not the project or /etc',
    async () => {
      // A secret where a user might keep one: a .env in the project folder.
      const secret = join(process.cwd(), `.sandbox-secret-${process.pid}`);
      writeFileSync(secret, 'sk-secret-in-a-file');
      const code = [
        'import os, sys',
        'def can_read(path):',
        '    try:',
        '        open(path).read(); return "read"',
        '    except OSError:',
        '        return "hidden"',
        `print(can_read(${JSON.stringify(secret)}), can_read("/etc/passwd"), can_read(${JSON.stringify(join(process.cwd(), 'package.json'))}))`,
        'open("out.txt", "w").write("written")',
        'print(open("in.txt").read(), sys.version_info[0])',
      ].join('\n');
      try {
        const spec = pythonSpec(code, { files: { 'in.txt': 'given' }, readBack: ['out.txt'] });
        const inside = await runSandboxed(spec);
        expect(inside.stdout.split('\n')).toEqual(['hidden hidden hidden', 'given 3', '']);
        expect(inside.files['out.txt']).toBe('written');
        const host = await runSandboxed({ ...spec, filesystem: 'host' });
        expect(host.stdout.split('\n')[0]).toBe('read read read');
      } finally {
        rmSync(secret, { force: true });
      }
    },
  );
});

describe("Node's permission model", () => {
  let outside: string;
  beforeAll(() => {
    outside = mkdtempSync(join(tmpdir(), 'sandbox-test-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'secret');
  });
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it('lets the child write inside its temp directory and refuses writes outside', async () => {
    const target = join(outside, 'escape.txt');
    const result = await runSandboxed(
      nodeSpec(
        `import { writeFileSync } from 'node:fs';
        ${attempt("writeFileSync('inside.txt', 'mine')")}
        ${attempt(`writeFileSync(${JSON.stringify(target)}, 'escaped')`)}`,
        { readBack: ['inside.txt'] },
      ),
    );
    expect(result.stdout.split('\n').slice(0, 2)).toEqual(['ok', 'ERR_ACCESS_DENIED']);
    expect(result.files['inside.txt']).toBe('mine');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses reads outside, except of the paths granted', async () => {
    const secret = join(outside, 'secret.txt');
    const code = `import { readFileSync } from 'node:fs';
      ${attempt(`readFileSync(${JSON.stringify(secret)}, 'utf8')`)}`;
    expect((await runSandboxed(nodeSpec(code))).stdout.trim()).toBe('ERR_ACCESS_DENIED');
    expect(
      (await runSandboxed(nodeSpec(code, { node: { readPaths: [outside] } }))).stdout.trim(),
    ).toBe('ok');
  });

  it('refuses to start processes or worker threads', async () => {
    const code = `import { execFileSync } from 'node:child_process';
      import { Worker } from 'node:worker_threads';
      ${attempt("execFileSync('/bin/echo', ['hi'])")}
      ${attempt("new Worker('1', { eval: true })")}`;
    const confined = await runSandboxed(nodeSpec(code));
    expect(confined.stdout.trim().split('\n')).toEqual(['ERR_ACCESS_DENIED', 'ERR_ACCESS_DENIED']);
    expect(confined.stderr).toBe('');
    const unconfined = await runSandboxed(nodeSpec(code, { node: undefined }));
    expect(unconfined.stdout.trim().split('\n')[0]).toBe('ok');
  });
});

describe('network', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.on('error', () => {
        // The child may hang up first.
      });
      socket.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Connect to the test's server; prints `connected` or the error code. */
  const nodeConnect = () => `import net from 'node:net';
    try {
      const socket = net.connect(${port}, '127.0.0.1');
      socket.on('connect', () => { console.log('connected'); socket.destroy(); });
      socket.on('error', (error) => console.log(error.code));
    } catch (error) { console.log(error.code); }`;

  it('stops a node child from connecting, and lets it when network is allowed', async () => {
    const before = connections;
    expect((await runSandboxed(nodeSpec(nodeConnect()))).stdout.trim()).not.toBe('connected');
    expect(connections).toBe(before);
    expect((await runSandboxed(nodeSpec(nodeConnect(), { network: true }))).stdout.trim()).toBe(
      'connected',
    );
    expect(connections).toBe(before + 1);
  });

  it('stops a node child without namespaces with the preloaded guard (TCP, fetch, DNS)', async () => {
    const before = connections;
    const code = `${nodeConnect()}
      import { lookup } from 'node:dns';
      try { await fetch('http://127.0.0.1:${port}/'); console.log('fetched'); } catch (error) { console.log('fetch failed'); }
      try { lookup('localhost', () => console.log('resolved')); } catch (error) { console.log(error.code); }`;
    const result = await runSandboxedWith(nodeSpec(code), FALLBACK);
    expect(result.stdout.trim().split('\n')).toEqual([
      'ERR_ACCESS_DENIED',
      'fetch failed',
      'ERR_ACCESS_DENIED',
    ]);
    expect(connections).toBe(before);
  });

  it.skipIf(!capabilities.networkNamespace)('stops a python child from connecting', async () => {
    const before = connections;
    const code = `import socket
try:
    socket.create_connection(('127.0.0.1', ${port}), timeout=5); print('connected')
except OSError as error:
    print('refused', error.errno)`;
    expect((await runSandboxed(pythonSpec(code))).stdout).toMatch(/^refused/);
    expect(connections).toBe(before);
  });
});

/** Pids of live processes whose command line contains `token`. */
function processesWith(token: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(token))
        pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Survivors carrying `token` once the kernel has had a moment to finish killing; kills them. */
async function survivors(token: string): Promise<number[]> {
  let found = processesWith(token);
  for (let tries = 0; tries < 20 && found.length > 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = processesWith(token);
  }
  for (const pid of found) process.kill(pid, 'SIGKILL');
  return found;
}

/**
 * A shell child that starts a python grandchild sleeping for ever (in its own session when
 * `setsid`), waits until it runs, then does `then`.
 */
function grandchildScript(token: string, setsid: boolean, then: string): string {
  const start = `${setsid ? 'setsid ' : ''}${PYTHON} -c 'import time; open("started", "w").close(); time.sleep(1000)' ${token} &`;
  return `${start}\nwhile [ ! -e started ]; do sleep 0.05; done\necho ready\n${then}`;
}

describe('limits', () => {
  it('kills an infinite loop at the timeout and removes its temp directory', async () => {
    const result = await runSandboxed(
      nodeSpec('console.log(process.cwd()); for (;;) {}', { timeoutMs: 1500 }),
    );
    expect(result.timedOut).toBe(true);
    expect(result.killedReason).toBe('timeout');
    expect(result.signal).toBe('SIGKILL');
    expect(result.exitCode).toBeNull();
    const dir = result.stdout.trim();
    expect(dir).toContain('evoplace-sandbox-');
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(dirname(dir))).toBe(false);
  });

  it.skipIf(!capabilities.pidNamespace)(
    'leaves no daemonised grandchild alive, at the timeout or after a normal exit',
    async () => {
      for (const then of ['while :; do sleep 1; done', 'exit 0']) {
        const token = `sandbox-test-${randomBytes(8).toString('hex')}`;
        const result = await runSandboxed(
          shellSpec(grandchildScript(token, true, then), {
            timeoutMs: 2000,
            readBack: ['started'],
          }),
        );
        expect(result.stdout.trim()).toBe('ready');
        expect(result.files.started).toBe('');
        expect(result.timedOut).toBe(then !== 'exit 0');
        expect(await survivors(token)).toEqual([]);
      }
    },
  );

  it.skipIf(!capabilities.pidNamespace)(
    'kills hundreds of descendants, daemonised or not',
    async () => {
      const seconds = `1000.${randomInt(1e9, 1e10)}`;
      const script = `for i in $(seq 100); do setsid sleep ${seconds} & sleep ${seconds} & done; echo forked; wait`;
      const result = await runSandboxed(shellSpec(script, { timeoutMs: 2000 }));
      expect(result.stdout.trim()).toBe('forked');
      expect(result.timedOut).toBe(true);
      expect(await survivors(seconds)).toEqual([]);
    },
  );

  it('without namespaces, still kills the whole process group at the timeout', async () => {
    const token = `sandbox-test-${randomBytes(8).toString('hex')}`;
    const result = await runSandboxedWith(
      shellSpec(grandchildScript(token, false, 'while :; do sleep 1; done'), { timeoutMs: 2000 }),
      FALLBACK,
    );
    expect(result.stdout.trim()).toBe('ready');
    expect(result.timedOut).toBe(true);
    expect(await survivors(token)).toEqual([]);
  });

  it('truncates 100 MB of output to the cap without hanging', async () => {
    const result = await runSandboxed(
      pythonSpec(
        'import sys; sys.stdout.buffer.write(b"x" * 100_000_000); sys.stderr.write("done")',
        {
          memoryMb: 512,
          maxOutputBytes: 1000,
        },
      ),
    );
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toBe('x'.repeat(1000));
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stderr).toBe('done');
    expect(result.stderrTruncated).toBe(false);
  });

  it('stops a node heap hog at its heap limit, yet starts a normal node child under it', async () => {
    const hog = await runSandboxed(
      nodeSpec('const kept = []; for (;;) kept.push(new Array(1e5).fill(0));', { memoryMb: 128 }),
    );
    expect(hog.timedOut).toBe(false);
    expect(hog.killedReason).toBe('memory');
    const normal = await runSandboxed(nodeSpec('console.log("hi")', { memoryMb: 64 }));
    expect(normal.stdout).toBe('hi\n');
    expect(normal.killedReason).toBeNull();
  });

  it.skipIf(!capabilities.addressSpaceLimit)(
    'stops a python memory hog at the address-space limit',
    async () => {
      const hog = await runSandboxed(
        pythonSpec('data = bytearray(4 * 1024 ** 3)', { memoryMb: 256 }),
      );
      expect(hog.exitCode).toBe(1);
      expect(hog.killedReason).toBe('memory');
      const modest = await runSandboxed(
        pythonSpec('data = bytearray(64 * 1024 ** 2)', { memoryMb: 256 }),
      );
      expect(modest.exitCode).toBe(0);
      expect(modest.killedReason).toBeNull();
    },
  );
});

/** Cgroups of this process's runs still present: each run must remove its own. */
function leftoverCgroups(): string[] {
  return [capabilities.pidsCgroup, capabilities.memoryCgroup].flatMap((parent) =>
    parent === null
      ? []
      : readdirSync(parent).filter((name) => name.startsWith(`${CGROUP_PREFIX}${process.pid}-`)),
  );
}

/**
 * Four processes at once, each filling a 60 MiB buffer 20 times: within an address-space limit
 * of 128 MiB each, but 240 MiB together. Exits 1 when any of them failed.
 */
const FOUR_FILLERS = `for i in 1 2 3 4; do dd if=/dev/zero of=/dev/null bs=60M count=20 2>/dev/null & pids="$pids $!"; done
status=0; for pid in $pids; do wait "$pid" || status=1; done; exit $status`;

describe.skipIf(capabilities.memoryCgroup === null)(
  'memory limit of the whole run (memory cgroup)',
  () => {
    it('stops processes that fit the limit one by one but not together', async () => {
      const together = await runSandboxed(shellSpec(FOUR_FILLERS, { memoryMb: 128 }));
      expect(together.exitCode).toBe(1);
      expect(together.killedReason).toBe('memory');
      expect(leftoverCgroups()).toEqual([]);
      const perProcess = await runSandboxedWith(shellSpec(FOUR_FILLERS, { memoryMb: 128 }), {
        ...capabilities,
        memoryCgroup: null,
      });
      expect(perProcess.exitCode).toBe(0);
      expect(perProcess.killedReason).toBeNull();
      const roomy = await runSandboxed(shellSpec(FOUR_FILLERS, { memoryMb: 512 }));
      expect(roomy.exitCode).toBe(0);
      expect(roomy.killedReason).toBeNull();
    });
  },
);

/** Polls the live processes carrying `token` until stopped; returns the most seen at once. */
function watchProcesses(token: string): () => number {
  let most = 0;
  const timer = setInterval(() => {
    most = Math.max(most, processesWith(token).length);
  }, 10);
  return () => {
    clearInterval(timer);
    return most;
  };
}

/**
 * A fork bomb in python: every process forks for ever, each child in a session of its own (out
 * of reach of a process-group kill), pausing only when a fork fails. Its processes carry `token`.
 */
function forkBombSpec(token: string, maxProcesses: number): SandboxSpec {
  const code = `import os, time
while True:
    try:
        if os.fork() == 0:
            os.setsid()
    except OSError:
        time.sleep(0.01)`;
  return programSpec([PYTHON, '-c', code, token], { timeoutMs: 2000, maxProcesses });
}

describe.skipIf(capabilities.pidsCgroup === null)('process-count limit (pids cgroup)', () => {
  it('refuses processes beyond maxProcesses, then kills those it allowed', async () => {
    const token = `1000.${randomInt(1e9, 1e10)}`;
    const code = `import subprocess
started = 0
for _ in range(100):
    try:
        subprocess.Popen(['sleep', '${token}'])
        started += 1
    except OSError:
        pass
print(started)`;
    const result = await runSandboxed(pythonSpec(code, { maxProcesses: 10 }));
    expect(result.exitCode).toBe(0);
    const started = Number(result.stdout);
    expect(started).toBeGreaterThan(0);
    expect(started).toBeLessThan(10);
    expect(result.killedReason).toBeNull();
    expect(await survivors(token)).toEqual([]);
    expect(leftoverCgroups()).toEqual([]);
  });

  it('without namespaces, kills a daemonised grandchild through the cgroup', async () => {
    const token = `sandbox-test-${randomBytes(8).toString('hex')}`;
    const result = await runSandboxedWith(
      shellSpec(grandchildScript(token, true, 'exit 0'), { readBack: ['started'] }),
      FALLBACK,
    );
    expect(result.stdout.trim()).toBe('ready');
    expect(result.files.started).toBe('');
    expect(await survivors(token)).toEqual([]);
    expect(leftoverCgroups()).toEqual([]);
  });

  for (const [setting, caps] of [
    ['with', capabilities],
    ['without', FALLBACK],
  ] as const) {
    it(`holds a fork bomb at maxProcesses and kills all of it, ${setting} namespaces`, async () => {
      const token = `sandbox-test-${randomBytes(8).toString('hex')}`;
      const stopWatching = watchProcesses(token);
      const result = await runSandboxedWith(forkBombSpec(token, 32), caps);
      const most = stopWatching();
      expect(result.timedOut).toBe(true);
      expect(result.killedReason).toBe('processes');
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(32);
      expect(await survivors(token)).toEqual([]);
      expect(leftoverCgroups()).toEqual([]);
      const after = await runSandboxed(shellSpec('echo alive'));
      expect(after.stdout).toBe('alive\n');
    });
  }
});

describe('files and process plumbing', () => {
  it('writes the files before the start and reads back what the child left', async () => {
    const result = await runSandboxed(
      pythonSpec(
        `import os
data = open('in/data.txt').read()
os.makedirs('out')
open('out/result.txt', 'w').write(data.upper())
open('big.txt', 'w').write('y' * 5000)`,
        {
          files: { 'in/data.txt': 'hello' },
          readBack: ['out/result.txt', 'missing.txt', 'big.txt'],
          maxOutputBytes: 100,
        },
      ),
    );
    expect(result.exitCode).toBe(0);
    expect(result.files).toEqual({
      'out/result.txt': 'HELLO',
      'missing.txt': null,
      'big.txt': 'y'.repeat(100),
    });
    expect(result.truncatedFiles).toEqual(['big.txt']);
  });

  it('reads back neither symlinks nor FIFOs, and does not block on them', async () => {
    const result = await runSandboxed(
      shellSpec('ln -s /etc/hostname leak && ln -s / up && mkfifo fifo', {
        readBack: ['leak', 'up/etc/hostname', 'fifo'],
      }),
    );
    expect(result.exitCode).toBe(0);
    expect(result.files).toEqual({ leak: null, 'up/etc/hostname': null, fifo: null });
  });

  it('removes the temp directory even when the child locked its folders', async () => {
    const result = await runSandboxed(
      shellSpec('mkdir -p a/b && touch a/b/c && chmod 000 a/b a && pwd'),
    );
    expect(result.exitCode).toBe(0);
    expect(existsSync(result.stdout.trim())).toBe(false);
  });

  it('passes stdin, the exit code and {dir} in arguments', async () => {
    const result = await runSandboxed(
      programSpec(['/bin/sh', '-c', 'cat; echo " $0" "$1"; exit 3', 'x', '{dir}/y'], {
        stdin: 'abc',
      }),
    );
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/^abc x \/.*evoplace-sandbox-.*\/y\n$/);
  });

  it('reports a program that cannot start as exit code 127, with or without wrappers', async () => {
    for (const caps of [
      capabilities,
      {
        pidNamespace: false,
        networkNamespace: false,
        privateFilesystem: false,
        addressSpaceLimit: false,
        pidsCgroup: null,
        memoryCgroup: null,
      },
    ]) {
      const result = await runSandboxedWith(programSpec(['/nonexistent/program']), caps);
      expect(result.exitCode).toBe(127);
      expect(result.stderr).toMatch(/nonexistent/);
    }
  });

  it('refuses a spec whose files leave the temp directory, before running anything', async () => {
    const before = readdirSync(tmpdir()).filter((name) =>
      name.startsWith('evoplace-sandbox-'),
    ).length;
    await expect(
      runSandboxed(shellSpec('true', { files: { '../escape': 'x' } })),
    ).rejects.toBeInstanceOf(UserError);
    expect(
      readdirSync(tmpdir()).filter((name) => name.startsWith('evoplace-sandbox-')),
    ).toHaveLength(before);
  });
});
