import { redactPii } from '../privacy/redact-pii.js';
import { incidentLabel, severityLabel } from './incident-rules.js';

/**
 * One incident as a single JSON document, for a data warehouse or an auditor: the incident with
 * everything that happened to it. `format` and `version` let a loader tell this document from
 * others and follow its changes: a field added keeps the version, a field renamed, removed or
 * given another meaning raises it.
 */
export const INCIDENT_EXPORT_FORMAT = 'incident-bot.incident';
export const INCIDENT_EXPORT_VERSION = 1;

/** What the document is built from: the rows as the database holds them (see incident-export-queries.ts). */
export interface IncidentExportSource {
  id: number;
  title: string;
  severity: number;
  status: string;
  private: boolean;
  team: { key: string; name: string } | null;
  service: string | null;
  source: string;
  routeId: string | null;
  playbookId: string | null;
  summary: string | null;
  reopenCount: number;
  openedAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  createdAt: Date;
  alerts: {
    attachedAt: Date;
    alert: {
      id: number;
      incidentId: number | null;
      source: string;
      fingerprint: string;
      status: string;
      title: string;
      description: string | null;
      sourceSeverity: string | null;
      labels: unknown;
      annotations: unknown;
      links: unknown;
      startsAt: Date;
      endsAt: Date | null;
      fireCount: number;
      receivedCount: number;
      lastReceivedAt: Date;
      flappingSince: Date | null;
    };
  }[];
  timeline: { id: bigint; at: Date; kind: string; actorType: string; actorName: string; text: string; tag: string | null; data: unknown }[];
  roles: { role: string; assignedAt: Date; person: ExportPersonSource }[];
  channels: { platform: string; channelId: string; name: string; private: boolean; topic: string | null; createdAt: Date }[];
  pages: {
    id: number;
    level: number | null;
    message: string;
    status: string;
    platform: string | null;
    error: string | null;
    createdAt: Date;
    sentAt: Date | null;
    acknowledgedAt: Date | null;
    person: ExportPersonSource;
    notifications: {
      id: number;
      via: string;
      address: string;
      status: string;
      dueAt: Date;
      heldFrom: Date | null;
      sentAt: Date | null;
      error: string | null;
      foldedInto: number | null;
    }[];
  }[];
  playbookRun: {
    playbookId: string;
    playbookName: string;
    contentHash: string;
    definition: unknown;
    currentStepId: string | null;
    status: string;
    startedAt: Date;
    finishedAt: Date | null;
    steps: { stepId: string; status: string; choice: string | null; at: Date; actor: { name: string } | null }[];
  } | null;
  postmortem: { markdown: string; generatedAt: Date } | null;
}

interface ExportPersonSource {
  name: string;
  handle: string | null;
}

export interface ExportPerson {
  name: string;
  /** The person's key in oncall.yaml; null for someone only known from chat. */
  handle: string | null;
}

export interface IncidentExport {
  format: typeof INCIDENT_EXPORT_FORMAT;
  version: typeof INCIDENT_EXPORT_VERSION;
  /** Whether free text was masked (REDACT_PII): "[email]", "[phone]", ... stand where personal data or secrets were. */
  redacted: boolean;
  incident: {
    number: number;
    id: string;
    title: string;
    severity: string;
    status: string;
    team: string | null;
    teamName: string | null;
    service: string | null;
    private: boolean;
    source: string;
    route: string | null;
    playbook: string | null;
    summary: string | null;
    reopenCount: number;
    openedAt: string;
    acknowledgedAt: string | null;
    mitigatedAt: string | null;
    resolvedAt: string | null;
    createdAt: string;
    /** The per-incident inputs of MTTA, time to mitigate and MTTR: each time minus openedAt, in seconds; null until it happens. */
    secondsToAcknowledge: number | null;
    secondsToMitigate: number | null;
    secondsToResolve: number | null;
  };
  /** Every alert the incident ever had, in the order they joined it. */
  alerts: {
    source: string;
    fingerprint: string;
    status: string;
    title: string;
    description: string | null;
    severity: string | null;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    links: Record<string, string>;
    startsAt: string;
    endsAt: string | null;
    attachedAt: string;
    lastReceivedAt: string;
    fireCount: number;
    receivedCount: number;
    flappingSince: string | null;
    /** False once the alert moved on to a newer incident (it fired again after this one resolved). */
    current: boolean;
  }[];
  /** Oldest first. */
  timeline: { id: string; at: string; kind: string; actor: { type: string; name: string }; text: string; tag: string | null; data: unknown }[];
  /** Who holds each role now; the handovers are on the timeline (kind "role.assigned"). */
  roles: { role: string; person: ExportPerson; assignedAt: string }[];
  channels: { platform: string; channelId: string; name: string; private: boolean; topic: string | null; createdAt: string }[];
  /** Oldest first, each with the notifications (email, SMS, voice, push, webhook) sent for it besides the chat message. */
  pages: {
    id: number;
    level: number | null;
    person: ExportPerson;
    message: string;
    status: string;
    platform: string | null;
    error: string | null;
    createdAt: string;
    sentAt: string | null;
    acknowledgedAt: string | null;
    notifications: { id: number; via: string; address: string; status: string; dueAt: string; heldFrom: string | null; sentAt: string | null; error: string | null; foldedInto: number | null }[];
  }[];
  playbook: {
    id: string;
    name: string;
    contentHash: string;
    status: string;
    currentStep: string | null;
    startedAt: string;
    finishedAt: string | null;
    /** In the playbook's order; status null for a step not reached. */
    steps: { id: string; title: string | null; status: string | null; choice: string | null; by: string | null; at: string | null }[];
  } | null;
  /** The postmortem as last generated by a person (/incident postmortem); null when nobody has (the draft is GET /api/incidents/:number/postmortem.md). */
  postmortem: { generatedAt: string; markdown: string } | null;
}

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);
const secondsSince = (from: Date, to: Date | null) => (to ? (to.getTime() - from.getTime()) / 1000 : null);

/** A JSON object of text values (labels, annotations, links), anything else left out. */
function textMap(value: unknown, mask: (text: string) => string): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).flatMap(([key, text]) => (typeof text === 'string' ? [[key, mask(text)]] : [])));
}

/** Every string inside a JSON value masked (timeline event data), its shape kept. */
function maskDeep(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item, mask)]));
  return value;
}

const person = (source: ExportPersonSource): ExportPerson => ({ name: source.name, handle: source.handle });

function playbookOf(run: NonNullable<IncidentExportSource['playbookRun']>, mask: (text: string) => string): NonNullable<IncidentExport['playbook']> {
  const listed = ((run.definition as { steps?: unknown } | null)?.steps ?? []) as { id?: unknown; title?: unknown }[];
  const definition = Array.isArray(listed) ? listed.filter((step): step is { id: string; title?: unknown } => typeof step?.id === 'string') : [];
  const states = new Map(run.steps.map((state) => [state.stepId, state]));
  const step = (id: string, title: string | null) => {
    const state = states.get(id);
    return { id, title: title === null ? null : mask(title), status: state?.status ?? null, choice: state?.choice == null ? null : mask(state.choice), by: state?.actor?.name ?? null, at: state ? iso(state.at) : null };
  };
  const known = new Set(definition.map((s) => s.id));
  return {
    id: run.playbookId,
    name: run.playbookName,
    contentHash: run.contentHash,
    status: run.status,
    currentStep: run.currentStepId,
    startedAt: iso(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    steps: [
      ...definition.map((s) => step(s.id, typeof s.title === 'string' ? s.title : null)),
      // A state whose step the run's copy of the playbook does not list: kept rather than lost.
      ...run.steps.filter((state) => !known.has(state.stepId)).map((state) => step(state.stepId, null)),
    ],
  };
}

/**
 * The export document of one incident. Pure: the same rows give the same document, byte for
 * byte, so a warehouse can load an export twice and an auditor can compare two.
 *
 * `redact` (REDACT_PII) masks every free-text value with redactPii: titles, descriptions,
 * summary, label, annotation and link values, timeline text and data, channel names and
 * topics, page messages and errors, notification addresses, step titles and choices, and the
 * postmortem. Alerts are already stored masked under REDACT_PII, but what people typed (notes,
 * declared titles, resolve summaries) is not, and an export leaves the bot's access control.
 * Names of people, label keys and identifiers stay, so the document still joins and groups.
 *
 * The alert's raw payload (alerts.raw) is never exported: it is often large, it is the one copy
 * that REDACT_PII keeps unmasked, and it may carry the sender's secrets. It stays in the
 * database for forensics.
 */
export function incidentExportDocument(source: IncidentExportSource, options: { redact: boolean }): IncidentExport {
  const mask = options.redact ? redactPii : (text: string) => text;
  const maskOrNull = (text: string | null) => (text === null ? null : mask(text));
  const byTime = <T extends { createdAt: Date; id: number }>(a: T, b: T) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id;
  return {
    format: INCIDENT_EXPORT_FORMAT,
    version: INCIDENT_EXPORT_VERSION,
    redacted: options.redact,
    incident: {
      number: source.id,
      id: incidentLabel(source.id),
      title: mask(source.title),
      severity: severityLabel(source.severity),
      status: source.status,
      team: source.team?.key ?? null,
      teamName: source.team?.name ?? null,
      service: source.service,
      private: source.private,
      source: source.source,
      route: source.routeId,
      playbook: source.playbookId,
      summary: maskOrNull(source.summary),
      reopenCount: source.reopenCount,
      openedAt: iso(source.openedAt),
      acknowledgedAt: isoOrNull(source.acknowledgedAt),
      mitigatedAt: isoOrNull(source.mitigatedAt),
      resolvedAt: isoOrNull(source.resolvedAt),
      createdAt: iso(source.createdAt),
      secondsToAcknowledge: secondsSince(source.openedAt, source.acknowledgedAt),
      secondsToMitigate: secondsSince(source.openedAt, source.mitigatedAt),
      secondsToResolve: secondsSince(source.openedAt, source.resolvedAt),
    },
    alerts: [...source.alerts]
      .sort((a, b) => a.attachedAt.getTime() - b.attachedAt.getTime() || a.alert.id - b.alert.id)
      .map(({ alert, attachedAt }) => ({
        source: alert.source,
        fingerprint: alert.fingerprint,
        status: alert.status,
        title: mask(alert.title),
        description: maskOrNull(alert.description),
        severity: alert.sourceSeverity,
        labels: textMap(alert.labels, mask),
        annotations: textMap(alert.annotations, mask),
        links: textMap(alert.links, mask),
        startsAt: iso(alert.startsAt),
        endsAt: isoOrNull(alert.endsAt),
        attachedAt: iso(attachedAt),
        lastReceivedAt: iso(alert.lastReceivedAt),
        fireCount: alert.fireCount,
        receivedCount: alert.receivedCount,
        flappingSince: isoOrNull(alert.flappingSince),
        current: alert.incidentId === source.id,
      })),
    timeline: [...source.timeline]
      .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((event) => ({
        id: String(event.id),
        at: iso(event.at),
        kind: event.kind,
        actor: { type: event.actorType, name: mask(event.actorName) },
        text: mask(event.text),
        tag: event.tag,
        data: event.data === null || event.data === undefined ? null : maskDeep(event.data, mask),
      })),
    roles: [...source.roles].sort((a, b) => a.role.localeCompare(b.role)).map((role) => ({ role: role.role, person: person(role.person), assignedAt: iso(role.assignedAt) })),
    channels: [...source.channels]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.platform.localeCompare(b.platform))
      .map((channel) => ({ platform: channel.platform, channelId: channel.channelId, name: mask(channel.name), private: channel.private, topic: maskOrNull(channel.topic), createdAt: iso(channel.createdAt) })),
    pages: [...source.pages].sort(byTime).map((page) => ({
      id: page.id,
      level: page.level,
      person: person(page.person),
      message: mask(page.message),
      status: page.status,
      platform: page.platform,
      error: maskOrNull(page.error),
      createdAt: iso(page.createdAt),
      sentAt: isoOrNull(page.sentAt),
      acknowledgedAt: isoOrNull(page.acknowledgedAt),
      notifications: [...page.notifications]
        .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id)
        .map((notification) => ({
          id: notification.id,
          via: notification.via,
          address: mask(notification.address),
          status: notification.status,
          dueAt: iso(notification.dueAt),
          heldFrom: isoOrNull(notification.heldFrom),
          sentAt: isoOrNull(notification.sentAt),
          error: maskOrNull(notification.error),
          foldedInto: notification.foldedInto,
        })),
    })),
    playbook: source.playbookRun ? playbookOf(source.playbookRun, mask) : null,
    postmortem: source.postmortem ? { generatedAt: iso(source.postmortem.generatedAt), markdown: mask(source.postmortem.markdown) } : null,
  };
}
