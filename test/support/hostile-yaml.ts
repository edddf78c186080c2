import { execFileSync } from 'node:child_process';

/**
 * Configuration files an attacker (or a bad merge) could drop where the bot reads its YAML:
 * the shapes the adversarial trial used against playbooks and oncall.yaml.
 */

/** A "billion laughs": nine levels of aliases of aliases, under 500 bytes, 387 million values once expanded. */
export function aliasBomb(firstLines = 'id: bomb\nname: Bomb\n'): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
    const previous = 'abcdefgh'[i]!;
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${firstLines}${lines.join('\n')}\n`;
}

/** A playbook with `count` steps, one short line each (a million fit in 6 MB). */
export function playbookWithSteps(count: number, id = 'many'): string {
  const steps = Array.from({ length: count }, (_, i) => `  - { id: s${i}, title: Step ${i} }`);
  return [`id: ${id}`, `name: ${id}`, 'steps:', ...steps, ''].join('\n');
}

/** A valid-looking YAML text of at least `bytes` bytes (a long comment after a small playbook). */
export function paddedPlaybook(bytes: number, id = 'padded'): string {
  const head = `id: ${id}\nname: ${id}\nsteps:\n  - { id: a, title: A }\n# `;
  return head + 'x'.repeat(Math.max(0, bytes - head.length)) + '\n';
}

/** Brackets nested `depth` deep: the parser's stack runs out long before the file's size does. */
export function deeplyNested(depth: number): string {
  return `id: deep\nname: Deep\nsteps: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}

/** A FIFO at `path`: reading it blocks until something writes to it. */
export function makeFifo(path: string): void {
  execFileSync('mkfifo', [path]);
}
