import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTING_NAMES } from '../../src/config.js';
import { applyEnvFile, parseEnvFile, withSource } from '../../src/env-file.js';
import { projectRoot } from '../../src/project-root.js';

const valuesOf = (text: string) => Object.fromEntries([...parseEnvFile(text, '/srv/bot/.env').entries].map(([name, entry]) => [name, entry.value]));

function problemsOf(text: string): string[] {
  try {
    parseEnvFile(text, '/srv/bot/.env');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

describe('.env files', () => {
  it('.env.example copied as it is gives the documented defaults', () => {
    const example = parseEnvFile(readFileSync(join(projectRoot(), '.env.example'), 'utf8'), '.env');
    const settings = Object.fromEntries([...example.entries].map(([name, entry]) => [name, entry.value]));
    expect(Object.keys(settings)).toEqual(expect.arrayContaining(['PORT', 'DATA_DIR', 'REPORT_CRON', 'SLACK_BOT_TOKEN']));
    const fromExample = loadConfig(settings) as unknown as Record<string, unknown>;
    const defaults = loadConfig({}) as unknown as Record<string, unknown>;
    for (const name of Object.keys(settings)) expect(fromExample[name], name).toEqual(defaults[name]);
  });

  it('.env.example and the README\'s settings table list every setting the bot reads', () => {
    // A setting may be there commented out, when even an empty value would differ from unset.
    const example = readFileSync(join(projectRoot(), '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]!));
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    const tableRows = readme.split('\n').filter((line) => line.startsWith('| `'));
    const inTable = new Set(tableRows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]!)));
    expect(SETTING_NAMES.filter((name) => !listed.has(name)), 'missing from .env.example').toEqual([]);
    expect(SETTING_NAMES.filter((name) => !inTable.has(name)), 'missing from the README\'s settings table').toEqual([]);
  });

  it('reads names, values, comments, export, quotes and escapes as a shell would', () => {
    const text = [
      '\uFEFF# a comment',
      '',
      'PLAIN=value with spaces  ',
      'export EXPORTED=yes',
      '  SPACED  =  around  ',
      'COMMENTED=1000/s burst 10000 # per token',
      'HASH_INSIDE=abc#def',
      'EMPTY=',
      'DOUBLE="two\\nlines \\"quoted\\" # not a comment"  # a comment',
      "SINGLE='kept \\n as written'",
      'MULTI="first',
      'second"',
      'WINDOWS=crlf\r',
      'AFTER=last',
    ].join('\n');
    expect(valuesOf(text)).toEqual({
      PLAIN: 'value with spaces',
      EXPORTED: 'yes',
      SPACED: 'around',
      COMMENTED: '1000/s burst 10000',
      HASH_INSIDE: 'abc#def',
      EMPTY: '',
      DOUBLE: 'two\nlines "quoted" # not a comment',
      SINGLE: 'kept \\n as written',
      MULTI: 'first\nsecond',
      WINDOWS: 'crlf',
      AFTER: 'last',
    });
    expect(parseEnvFile(text, '/srv/bot/.env').entries.get('AFTER')!.line).toBe(14);
  });

  it('refuses a malformed line by its number, never quoting it (it may hold a secret)', () => {
    const problems = problemsOf(['PORT=3000', 'SLACK_BOT_TOKEN xoxb-hunter2-secret', 'WEBHOOK-TOKEN=hunter2hunter2hunter2', 'API_TOKEN="hunter2hunter2hunter2" trailing', 'PORT=4000'].join('\n'));
    expect(problems).toEqual([
      '/srv/bot/.env line 2: expected NAME=value (comments start with #)',
      '/srv/bot/.env line 3: the name before "=" must be letters, digits and _, not starting with a digit',
      "/srv/bot/.env line 4: text after API_TOKEN's closing quote (put the whole value in the quotes; a comment starts with #)",
      '/srv/bot/.env line 5: PORT is already set on line 1 (keep one)',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses a quote that is never closed, instead of swallowing the settings after it', () => {
    expect(problemsOf('SLACK_SIGNING_SECRET="abc\nPORT=3000\nLOG_LEVEL=info\n')).toEqual([
      "/srv/bot/.env line 1: the double quote opened in SLACK_SIGNING_SECRET's value is never closed",
    ]);
  });

  it('lets the real environment win, an empty value there counting as unset', () => {
    const file = parseEnvFile('PORT=4000\nLOG_LEVEL=debug\nDATA_DIR=/var/lib/bot\n', '/srv/bot/.env');
    const { env, reading } = applyEnvFile({ PORT: '8080', LOG_LEVEL: '', HOME: '/root' }, file);
    expect(env).toEqual({ PORT: '8080', LOG_LEVEL: 'debug', DATA_DIR: '/var/lib/bot', HOME: '/root' });
    expect(reading).toEqual({
      path: '/srv/bot/.env',
      found: true,
      fromFile: [
        { name: 'LOG_LEVEL', line: 2 },
        { name: 'DATA_DIR', line: 3 },
      ],
      keptFromEnvironment: ['PORT'],
    });
  });

  it('says which line of the file a refused setting came from', () => {
    const { env, reading } = applyEnvFile({ PORT: '8080' }, parseEnvFile('# settings\nPORT=1\nREPORT_CRON=99 9 * * 1\n', '/srv/bot/.env'));
    let problems: string[] = [];
    try {
      loadConfig(env);
    } catch (error) {
      problems = (error as ConfigError).problems.map((problem) => withSource(problem, reading));
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^REPORT_CRON: .* \(set in \/srv\/bot\/\.env line 3\)$/);
  });
});
