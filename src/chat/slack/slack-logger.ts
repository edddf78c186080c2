import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../logging.js';

/**
 * Slack's SDK logger interface (Bolt's and the Web API client's) on pino. Lines `skip` matches are
 * dropped: the caller reports those failures itself, once, with more to go on.
 */
export function slackLogger(log: Logger, skip?: RegExp): SlackLogger {
  const child = log.child({ component: 'slack' });
  const text = (args: unknown[]) => args.map(String).join(' ');
  const unless = (write: (line: string) => void) => (...args: unknown[]) => {
    const line = text(args);
    if (!skip?.test(line)) write(line);
  };
  return {
    debug: unless((line) => child.debug(line)),
    info: unless((line) => child.debug(line)),
    warn: unless((line) => child.warn(line)),
    error: unless((line) => child.error(line)),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}
