import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../../src/db/group-commit.js';

describe('GroupCommitter', () => {
  it('puts requests that arrive together into one commit, and answers each with its own results', async () => {
    const commits: number[][] = [];
    const committer = new GroupCommitter<number, string>(async (items) => {
      commits.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map((n) => `r${n}`);
    });
    const answers = await Promise.all([committer.submit([1, 2]), committer.submit([3]), committer.submit([4, 5, 6])]);
    expect(answers).toEqual([['r1', 'r2'], ['r3'], ['r4', 'r5', 'r6']]);
    expect(commits).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  it('queues what arrives during a commit for the next one', async () => {
    const commits: number[][] = [];
    const committer = new GroupCommitter<number, number>(async (items) => {
      commits.push(items);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return items;
    });
    const first = committer.submit([1]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([first, committer.submit([2]), committer.submit([3])]);
    expect(commits).toEqual([[1], [2, 3]]);
  });

  it('caps the batch size', async () => {
    const sizes: number[] = [];
    const committer = new GroupCommitter<number, number>(async (items) => (sizes.push(items.length), items), { maxBatchItems: 3 });
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => committer.submit([n])));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('does not let one bad request fail the others it was batched with', async () => {
    const committer = new GroupCommitter<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('bad item 13');
      return items;
    });
    const results = await Promise.allSettled([committer.submit([1]), committer.submit([13]), committer.submit([2])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('fails the whole batch at once when isolation cannot help (database away)', async () => {
    let calls = 0;
    const committer = new GroupCommitter<number, number>(
      async () => {
        calls++;
        throw new Error('connection refused');
      },
      { isolateOnError: () => false },
    );
    const results = await Promise.allSettled([committer.submit([1]), committer.submit([2])]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
  });
});
