import { describe, expect, it } from 'vitest';
import { evoplace } from './cli.js';

describe('evoplace help and flags', () => {
  it('prints help that was asked for on stdout, exit 0', () => {
    for (const args of [
      ['--help'],
      ['prism', '--help'],
      ['eplb', 'bench', '--help'],
      ['ui', '-h'],
    ]) {
      const run = evoplace(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toMatch(/evoplace/);
      expect(run.stderr, args.join(' ')).toBe('');
    }
    expect(evoplace(['--version']).stdout).toMatch(/^evoplace \d+\.\d+\.\d+\n$/);
  });

  it('shows help beside the error, on stderr, when a command is missing', () => {
    for (const args of [[], ['eplb']]) {
      const run = evoplace(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/evoplace/);
    }
  });

  it('names the command a typo most likely meant, without the whole help', () => {
    const group = evoplace(['experimnt', 'list']);
    expect(group.code).toBe(2);
    expect(group.stderr).toBe(
      'error: unknown command "experimnt"; did you mean "experiment"? (evoplace --help lists the commands)\n',
    );
    const command = evoplace(['evolve', 'staus']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(
      /unknown command "evolve staus"; expected run, .*; did you mean "status"\?/,
    );
  });

  it('names the option a typo most likely meant', () => {
    const run = evoplace(['eplb', 'bench', '--jsno']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: eplb bench: unknown option --jsno (did you mean --json?); see "evoplace eplb bench --help"\n',
    );
  });
});
