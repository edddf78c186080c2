import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { UsageError, type CliCommand } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { formatProblem, OncallFileError, parseOncallYaml } from '../oncall/oncall-file.js';
import { systemClock } from '../time/clock.js';
import { ImportInputError } from './api-export.js';
import type { ImportDocument } from './import-document.js';
import { importOpsgenie } from './opsgenie-import.js';
import { importPagerDuty } from './pagerduty-import.js';

const TOOLS = {
  opsgenie: { title: 'Opsgenie', read: importOpsgenie, keys: 'opsgenie_keys' as const },
  pagerduty: { title: 'PagerDuty', read: importPagerDuty, keys: 'pagerduty_routing_keys' as const },
};

/**
 * `incident-bot import opsgenie|pagerduty <dir>`: the JSON that tool's REST API returned, saved in
 * <dir>, becomes an oncall.yaml (checked as `oncall check` checks it before it is written) and a
 * report of what could not be carried over and why.
 */
export const importCliCommand: CliCommand = {
  name: ['import'],
  usage: 'import opsgenie|pagerduty <dir> [--out oncall.yaml] [--force]',
  summary: "write an oncall.yaml from the JSON Opsgenie's or PagerDuty's REST API returned, and a report of what could not be carried over",
  async run(args, io) {
    const { values, positionals } = parseFlags({ args, options: { out: { type: 'string' }, force: { type: 'boolean' } }, allowPositionals: true });
    const [toolName, dir] = positionals;
    if (!toolName || !dir || positionals.length > 2) throw new UsageError('Say which tool and which folder');
    const tool = TOOLS[toolName as keyof typeof TOOLS];
    if (!Object.hasOwn(TOOLS, toolName) || !tool) throw new UsageError(`Unknown tool "${toolName.slice(0, 40)}": opsgenie or pagerduty`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      io.err(`${dir}: no such folder (it holds the files saved from the ${tool.title} API; see the README's "Moving from Opsgenie or PagerDuty")`);
      return 1;
    }
    const out = values.out ?? 'oncall.yaml';
    const reportFile = join(dirname(out), 'import-report.md');
    if (!values.force) {
      const existing = [out, reportFile].find((file) => existsSync(file));
      if (existing) {
        io.err(`${existing} exists; pass --force to replace it, or --out to write elsewhere`);
        return 1;
      }
    }
    const now = systemClock.now();
    let doc: ImportDocument;
    try {
      doc = tool.read(dir, now);
    } catch (error) {
      if (!(error instanceof ImportInputError)) throw error;
      io.err(error.message);
      return 1;
    }
    const text = `# Imported from ${tool.title} by \`incident-bot import ${toolName}\` on ${now.toISOString().slice(0, 10)}; see import-report.md for what was not carried over.\n${stringify(doc.toOncallFile(tool.keys), { lineWidth: 0 })}`;
    try {
      parseOncallYaml(text, out);
    } catch (error) {
      if (!(error instanceof OncallFileError)) throw error;
      // The importer's own mistake: say so, and write nothing a bot could load.
      io.err(`The imported oncall.yaml would not load (a bug in the importer; please report it with the files):`);
      for (const problem of error.problems) io.err(formatProblem(problem));
      return 1;
    }
    writeFileSync(out, text);
    const report = doc.report(tool.title, now);
    writeFileSync(reportFile, report);
    const noteCount = Object.values(doc.notes).reduce((sum, notes) => sum + notes.length, 0);
    io.out(`Wrote ${out}: ${report.split('\n')[2]!.replace(/^Written [^:]+: /, '')}`);
    io.out(`Wrote ${reportFile}: ${noteCount} note(s) on what was not carried over or changed. Check it with: incident-bot oncall check ${out}`);
    return 0;
  },
};
