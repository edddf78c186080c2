import { expect, it } from 'vitest';
import { nextClaimSize } from '../../../src/engine/job-worker.js';

it('doubles a round after a full one, up to eight times the batch size, and is back to the batch size after one that was not full', () => {
  const sizes = [32];
  for (let round = 0; round < 6; round++) sizes.push(nextClaimSize(sizes.at(-1)!, sizes.at(-1)!, 32));
  expect(sizes).toEqual([32, 64, 128, 256, 256, 256, 256]);
  expect(nextClaimSize(256, 255, 32)).toBe(32);
  expect(nextClaimSize(64, 0, 32)).toBe(32);
});
