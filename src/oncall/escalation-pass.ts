/**
 * Who a level of an escalation policy pages: its targets, less anyone an earlier level of the same
 * pass already paged. Someone who is on the schedule, in the team and named as the manager is paged
 * once per pass over the levels, not once per level; a policy's `repeat` is what asks for another
 * pass, and each pass pages its people again. The engine keys people by id, the preview by handle.
 */
export function splitByPass<K>(targets: readonly K[], pagedInPass: readonly K[] | undefined): { page: K[]; alreadyPaged: K[] } {
  const paged = new Set(pagedInPass ?? []);
  return { page: targets.filter((target) => !paged.has(target)), alreadyPaged: targets.filter((target) => paged.has(target)) };
}
