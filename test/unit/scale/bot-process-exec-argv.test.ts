import { describe, expect, it } from 'vitest';
import { BOT_PROCESS_SEMI_SPACE_MB, botProcessExecArgv } from '../../../src/scale/bot-processes.js';

describe('the flags a supervised bot process runs with', () => {
  const young = `--max-semi-space-size=${BOT_PROCESS_SEMI_SPACE_MB}`;

  it("replaces the supervisor's young generation (npm start's 4 MB) and keeps every other flag in order", () => {
    expect(botProcessExecArgv(['--import', 'tsx', '--max-semi-space-size=4', '--enable-source-maps'])).toEqual(['--import', 'tsx', '--enable-source-maps', young]);
  });

  it('drops the value given as a separate argument with its flag, and the underscore spelling V8 also reads', () => {
    expect(botProcessExecArgv(['--max-semi-space-size', '4', '--trace-warnings'])).toEqual(['--trace-warnings', young]);
    expect(botProcessExecArgv(['--max_semi_space_size=8'])).toEqual([young]);
  });

  it('adds it when the supervisor was started without one', () => {
    expect(botProcessExecArgv([])).toEqual([young]);
  });
});
