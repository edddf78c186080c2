import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config.js';

/**
 * A settings file in the .env format that .env.example shows: NAME=value lines, `#` comments,
 * optional `export `, values in single quotes (literal) or double quotes (\n, \t, \", \\ escapes),
 * either of which may span lines. Parsed here rather than by Node's util.parseEnv, whose rules
 * differ between Node 20 and 24 and which silently joins a line without "=" to the next name.
 */
export interface EnvFile {
  /** Absolute path, as shown to people. */
  path: string;
  /** Each name with its value and the line it is set on. */
  entries: Map<string, { value: string; line: number }>;
}

/** The settings file read at start: ENV_FILE from the real environment, else .env in the working directory. */
export const DEFAULT_ENV_FILE = '.env';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([^=\s]*)[ \t]*=/;
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** Parses a settings file's text; every malformed line is reported at once, by line number and never with its text (it may hold a secret). */
export function parseEnvFile(text: string, path: string): EnvFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries = new Map<string, { value: string; line: number }>();
  const problems: string[] = [];
  const where = (line: number) => `${path} line ${line}`;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const lineNumber = index + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) {
      problems.push(`${where(lineNumber)}: expected NAME=value (comments start with #)`);
      continue;
    }
    const name = assignment[1]!;
    if (!NAME.test(name)) {
      problems.push(`${where(lineNumber)}: the name before "=" must be letters, digits and _, not starting with a digit`);
      continue;
    }
    const raw = line.slice(assignment[0].length).trimStart();
    let value: string;
    const quote = raw[0];
    if (quote === '"' || quote === "'") {
      const quoted = readQuoted(quote, raw.slice(1), lines, index);
      if (!quoted) {
        problems.push(`${where(lineNumber)}: the ${quote === '"' ? 'double' : 'single'} quote opened in ${name}'s value is never closed`);
        break;
      }
      if (!/^\s*(#.*)?$/.test(quoted.rest)) {
        problems.push(`${where(quoted.endIndex + 1)}: text after ${name}'s closing quote (put the whole value in the quotes; a comment starts with #)`);
      }
      value = quoted.value;
      index = quoted.endIndex;
    } else {
      // As in a shell: # starts a comment at the start of the value or after a space, so a # inside a value is kept.
      value = raw.replace(/(^|\s)#.*$/, '').trim();
    }
    const earlier = entries.get(name);
    if (earlier) problems.push(`${where(lineNumber)}: ${name} is already set on line ${earlier.line} (keep one)`);
    entries.set(name, { value, line: lineNumber });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { path, entries };
}

/** A quoted value from just after its opening quote, across lines if need be; undefined if it never closes. */
function readQuoted(quote: string, start: string, lines: string[], startIndex: number): { value: string; rest: string; endIndex: number } | undefined {
  let value = '';
  let text = start;
  for (let index = startIndex; index < lines.length; index++) {
    if (index > startIndex) {
      text = lines[index]!;
      value += '\n';
    }
    for (let at = 0; at < text.length; at++) {
      const char = text[at]!;
      if (char === quote) return { value, rest: text.slice(at + 1), endIndex: index };
      if (quote === '"' && char === '\\' && at + 1 < text.length) {
        const next = text[at + 1]!;
        value += DOUBLE_QUOTED_ESCAPES[next] ?? `\\${next}`;
        at++;
        continue;
      }
      value += char;
    }
  }
  return undefined;
}

/** What start-up read: the file, whether it was there, the names it set and those the environment kept. Never values. */
export interface EnvFileReading {
  path: string;
  found: boolean;
  /** Names whose value came from the file, with their line. */
  fromFile: { name: string; line: number }[];
  /** Names in the file that the real environment already sets (not blank), which win. */
  keptFromEnvironment: string[];
}

/** The file's settings under the real environment's: a name set (not blank) in the environment keeps its value. */
export function applyEnvFile(environment: NodeJS.ProcessEnv, file: EnvFile): { env: NodeJS.ProcessEnv; reading: EnvFileReading } {
  const env = { ...environment };
  const reading: EnvFileReading = { path: file.path, found: true, fromFile: [], keptFromEnvironment: [] };
  for (const [name, { value, line }] of file.entries) {
    if ((environment[name] ?? '').trim() !== '') {
      reading.keptFromEnvironment.push(name);
      continue;
    }
    env[name] = value;
    reading.fromFile.push({ name, line });
  }
  return { env, reading };
}

/**
 * Reads the settings file into the environment the commands see. The default .env may be
 * missing; a file named by ENV_FILE must exist.
 */
export function readEnvFileInto(environment: NodeJS.ProcessEnv, cwd: string): { env: NodeJS.ProcessEnv; reading: EnvFileReading } {
  const named = environment.ENV_FILE?.trim() || undefined;
  const path = resolve(cwd, named ?? DEFAULT_ENV_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !named) return { env: environment, reading: { path, found: false, fromFile: [], keptFromEnvironment: [] } };
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'not allowed to read it' : (error as Error).message;
    throw new ConfigError([`${named ? 'ENV_FILE' : DEFAULT_ENV_FILE}: cannot read ${path} (${why})`]);
  }
  return applyEnvFile(environment, parseEnvFile(text, path));
}

/** A settings problem ("PORT: ...") with where its value came from, when that was the settings file. */
export function withSource(problem: string, reading: EnvFileReading | undefined): string {
  const name = /^([A-Za-z_][A-Za-z0-9_]*):/.exec(problem)?.[1];
  const entry = reading?.fromFile.find((candidate) => candidate.name === name);
  return entry ? `${problem} (set in ${reading!.path} line ${entry.line})` : problem;
}

/** The start-up log line about the settings file: its path and the names it set, never a value. */
export function envFileLogLine(reading: EnvFileReading): { fields: Record<string, unknown>; message: string } {
  if (!reading.found) return { fields: { envFile: reading.path }, message: `no settings file at ${reading.path}: settings come from the environment only` };
  return {
    fields: { envFile: reading.path, settings: reading.fromFile.map((entry) => entry.name), keptFromEnvironment: reading.keptFromEnvironment },
    message: `settings read from ${reading.path} (a setting also in the environment keeps the environment's value)`,
  };
}
