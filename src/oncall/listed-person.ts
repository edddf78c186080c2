import type { PrismaClient } from '../db/database.js';
import { AppError } from '../errors.js';
import type { OncallConfig } from './oncall-config.js';

/**
 * The person an API call names with `as` (their handle, the key under people:, or their email,
 * any case), who must be listed in oncall.yaml and in the bot's directory. Refuses naming the field.
 */
export async function listedPerson(
  prisma: PrismaClient,
  oncall: OncallConfig,
  as: string,
  whenNobodyIsListed = 'oncall.yaml lists nobody yet',
  field = 'as',
): Promise<{ id: number; name: string; handle: string }> {
  const people = Object.values(oncall.people);
  const wanted = as.toLowerCase();
  const listed = people.find((person) => person.key === as) ?? people.find((person) => person.email?.toLowerCase() === wanted);
  if (!listed) {
    const hint = people.length === 0 ? whenNobodyIsListed : 'give the handle (the key under people:) or the email of someone listed in oncall.yaml';
    throw new AppError('validation_failed', `Nobody in oncall.yaml is "${as.slice(0, 200)}"`, { problems: [{ path: field, message: `no person with that handle or email: ${hint}` }] });
  }
  const person = await prisma.person.findUnique({ where: { handle: listed.key }, select: { id: true, name: true } });
  if (!person) throw new AppError('unavailable', `${listed.name} is in oncall.yaml but not yet in the bot's directory; try again in a moment`);
  return { id: person.id, name: person.name, handle: listed.key };
}
