/**
 * Values many rows of one statement share (a request body, a playbook, an escalation policy),
 * sent once as a JSON list the rows point into by index: each copy would be bytes to serialize,
 * send and parse again.
 */
export class SharedValues {
  private readonly indexOf = new Map<unknown, number>();
  readonly list: unknown[] = [];

  /** The value's place in the list (the same value, by identity, keeps its place); null for none. */
  at(value: unknown): number | null {
    if (value === null || value === undefined) return null;
    let index = this.indexOf.get(value);
    if (index === undefined) {
      index = this.list.length;
      this.list.push(value);
      this.indexOf.set(value, index);
    }
    return index;
  }
}
