import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

/**
 * Top-level folders of the system's programs and libraries, shown read-only in a private file
 * system (the /bin, /lib… that are links into /usr on merged-/usr systems stay links).
 */
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/**
 * What of /etc programs read at start (the dynamic linker's cache, Debian's alternatives links,
 * the public CA certificates and OpenSSL's settings, the time zone): none of it secret (not
 * /etc/ssl/private). The rest of /etc, /root, /home, the project and every other folder are not
 * there at all.
 */
const ETC_PATHS = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
];

/** bwrap arguments that show `path` read-only as it is here: a link stays a link. */
function showReadOnly(path: string): string[] {
  if (!existsSync(path)) return [];
  return lstatSync(path).isSymbolicLink()
    ? ['--symlink', readlinkSync(path), path]
    : ['--ro-bind', path, path];
}

/** Whether `path` lies in one of the system folders already shown. */
function inSystemPaths(path: string): boolean {
  return SYSTEM_PATHS.some((root) => path === root || path.startsWith(`${root}/`));
}

/**
 * Whether `folder` is an installation prefix, recognised by what installers leave there: a
 * virtual environment (`pyvenv.cfg`), a conda environment (`conda-meta`), pyenv
 * (`libexec/pyenv…`), a Python or Node installation (`include/python3.x`, `include/node`; pyenv's
 * versions, nvm's nodes). Never a home folder or / as a whole. A folder that merely has `lib`
 * beside `bin` is not one: ~/.local (with ~/.local/share's credentials) or a project with its
 * own bin/ and lib/ (and .env) would be shown whole.
 */
function isInstallationPrefix(folder: string): boolean {
  if (['/', '/root', '/home', homedir()].includes(folder) || dirname(folder) === '/home')
    return false;
  const has = (name: string): boolean => existsSync(join(folder, name));
  const holds = (sub: string, pattern: RegExp): boolean =>
    has(sub) && readdirSync(join(folder, sub)).some((name) => pattern.test(name));
  return (
    has('pyvenv.cfg') ||
    has('conda-meta') ||
    holds('libexec', /^pyenv/) ||
    holds('include', /^(python\d|node$)/)
  );
}

/**
 * The installations of the programs on `path` (a PATH value) outside the system folders, to be
 * shown read-only so that a task's `python3` from pyenv or a virtual environment, or Node from
 * a version manager, still runs: the installation prefix above a PATH entry when there is one,
 * else the PATH entry alone.
 */
export function pathInstallations(path: string): string[] {
  const installations: string[] = [];
  for (const entry of path.split(delimiter)) {
    if (!isAbsolute(entry) || inSystemPaths(entry) || !existsSync(entry)) continue;
    const folder = isInstallationPrefix(dirname(entry)) ? dirname(entry) : entry;
    if (!installations.includes(folder)) installations.push(folder);
  }
  return installations;
}

/**
 * The bubblewrap command that runs a program in a private file system and fresh user, PID,
 * IPC and UTS namespaces (and network namespace unless `network`): the system's programs and
 * libraries read-only, `dir` read-write at its own path (the program's only writable place,
 * besides an empty /tmp), each of `readPaths` read-only, and this Node binary's installation
 * and those of the programs on our PATH when they lie outside them; its own /proc and a
 * minimal /dev. The program is the child of
 * bwrap's init, so when it exits, or bwrap dies, every process left in it is killed.
 */
export function privateFilesystemWrapper(
  dir: string,
  readPaths: readonly string[],
  network: boolean,
): string[] {
  const nodeHome = dirname(dirname(process.execPath));
  return [
    'bwrap',
    '--die-with-parent',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    ...(network ? [] : ['--unshare-net']),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    ...[...SYSTEM_PATHS, ...ETC_PATHS].flatMap(showReadOnly),
    ...(inSystemPaths(process.execPath) ? [] : showReadOnly(nodeHome)),
    ...pathInstallations(process.env.PATH ?? '').flatMap(showReadOnly),
    ...readPaths.flatMap(showReadOnly),
    '--bind',
    dir,
    dir,
    '--chdir',
    dir,
    '--',
  ];
}
