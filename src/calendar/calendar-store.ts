import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/database.js';
import type { FeedSubject } from './calendar-feed.js';

const subjectOf = (subject: FeedSubject) => ({ kind: subject.kind, subject: subject.kind === 'person' ? subject.handle : subject.key });

/** The feed's current token: the one in use, or a new one (192 random bits). */
export async function feedToken(prisma: PrismaClient, subject: FeedSubject, createdById: number | null): Promise<string> {
  const where = { ...subjectOf(subject), revokedAt: null };
  const existing = await prisma.calendarFeed.findFirst({ where, orderBy: { id: 'desc' } });
  if (existing) return existing.token;
  return (await prisma.calendarFeed.create({ data: { ...subjectOf(subject), token: randomBytes(24).toString('base64url'), createdById } })).token;
}

/** Revokes the feed's address (anyone subscribed stops getting updates) and gives it a new one. */
export async function resetFeed(prisma: PrismaClient, subject: FeedSubject, createdById: number | null, now: Date): Promise<string> {
  await prisma.calendarFeed.updateMany({ where: { ...subjectOf(subject), revokedAt: null }, data: { revokedAt: now } });
  return feedToken(prisma, subject, createdById);
}

/** What a token opens, if it is current. */
export async function feedByToken(prisma: PrismaClient, token: string): Promise<FeedSubject | undefined> {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
  const feed = await prisma.calendarFeed.findUnique({ where: { token } });
  if (!feed || feed.revokedAt) return undefined;
  return feed.kind === 'person' ? { kind: 'person', handle: feed.subject } : { kind: 'schedule', key: feed.subject };
}

export const calendarUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/$/, '')}/calendar/${token}.ics`;
