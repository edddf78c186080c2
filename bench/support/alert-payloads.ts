/** Alertmanager webhook (version 4) bodies: `size` alerts named `<prefix>-<n>`, in `groups` racks. */
export function alertmanagerBatch(start: number, size: number, fingerprints: number, groups: number, prefix = 'node') {
  const alerts = Array.from({ length: size }, (_, k) => {
    const n = (start + k) % fingerprints;
    return {
      status: 'firing',
      labels: { alertname: 'NodeDown', instance: `${prefix}-${n}`, rack: `rack-${n % groups}`, severity: 'critical' },
      annotations: { summary: `${prefix}-${n} unreachable` },
      startsAt: '2026-11-24T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: `${prefix}-${n}`,
    };
  });
  return { version: '4', status: 'firing', receiver: 'bot', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts, truncatedAlerts: 0 };
}

/**
 * One Alertmanager notification holding one alert, as Alertmanager sends it when every alert is
 * its own group: `description` set makes the content differ from the last request's.
 */
export function alertmanagerSingle(fingerprint: string, description?: string) {
  const annotations: Record<string, string> = { summary: `${fingerprint} unreachable` };
  if (description !== undefined) annotations.description = description;
  const alert = {
    status: 'firing',
    labels: { alertname: 'NodeDown', instance: fingerprint, severity: 'critical' },
    annotations,
    startsAt: '2026-11-24T00:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint,
  };
  return { version: '4', status: 'firing', receiver: 'bot', groupLabels: {}, commonLabels: alert.labels, commonAnnotations: annotations, externalURL: '', alerts: [alert], truncatedAlerts: 0 };
}
