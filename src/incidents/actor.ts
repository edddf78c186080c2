/** Who did something: a person, a monitoring source, or the bot itself. */
export type Actor =
  | { kind: 'person'; personId: number; name: string }
  | { kind: 'source'; name: string }
  | { kind: 'bot' };

export const BOT: Actor = { kind: 'bot' };

export function sourceActor(source: string): Actor {
  return { kind: 'source', name: source };
}

export function actorColumns(actor: Actor): { actorType: string; actorId: number | null; actorName: string } {
  switch (actor.kind) {
    case 'person':
      return { actorType: 'person', actorId: actor.personId, actorName: actor.name };
    case 'source':
      return { actorType: 'source', actorId: null, actorName: actor.name };
    case 'bot':
      return { actorType: 'bot', actorId: null, actorName: 'incident-bot' };
  }
}
