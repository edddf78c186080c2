/** A file in a test's temp folder naming the test that made it (read by the suite's leftovers report). */
export const LEFT_BY = '.left-by';
