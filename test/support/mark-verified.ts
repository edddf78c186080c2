import type { PrismaClient } from '../../src/db/database.js';

/**
 * Marks a person's contact methods verified, as `/oncall verify` would have: for tests of what
 * pages do with verified methods, not of verifying them (e2e/contact-verification.test.ts).
 */
export async function markVerified(prisma: PrismaClient, handle: string, methods: Record<string, string>): Promise<void> {
  const person = await prisma.person.findUniqueOrThrow({ where: { handle } });
  await prisma.contactVerification.createMany({ data: Object.entries(methods).map(([via, address]) => ({ personId: person.id, via, address, verifiedAt: new Date() })) });
}
