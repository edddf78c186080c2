import { describe, expect, it } from 'vitest';
import { parseIncidentListFilter } from '../../../src/web/incident-list-filter.js';
import { markdownToHtml } from '../../../src/web/markdown-html.js';
import { cookieValue, sessionCookie, sessionCookieName } from '../../../src/web/web-cookies.js';
import { safeReturnPath } from '../../../src/web/web-routes.js';

describe('the postmortem as HTML', () => {
  it('renders the postmortem writer’s Markdown: headings a level down, tables, lists, task items, links', () => {
    const html = markdownToHtml('# Postmortem: INC-1 Disk\n\n## Summary\n\n| | |\n| --- | --- |\n| Severity | SEV2 |\n| Team | a \\| b |\n\n- [ ] add an alert\n- see [runbook](https://runbooks.example.com/disk)\n');
    expect(html).toContain('<h2>Postmortem: INC-1 Disk</h2>');
    expect(html).toContain('<h3>Summary</h3>');
    expect(html).toContain('<tr><td>Team</td><td>a | b</td></tr>');
    expect(html).toContain('<li>☐ add an alert</li>');
    expect(html).toContain('<a href="https://runbooks.example.com/disk" rel="noopener noreferrer">runbook</a>');
  });

  it('keeps text from alerts and notes as text: no tags, no script links, no attribute breaking', () => {
    const html = markdownToHtml('- <img src=x onerror=alert(1)> [click](javascript:alert(1)) [x](https://e.com/"onmouseover="alert(1))\n# <script>alert(1)</script>');
    expect(html).not.toMatch(/<img|<script|href="javascript/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('"onmouseover="');
  });

  it('reads a megabyte of hostile brackets in one pass (an alert must not stall the bot for everyone)', () => {
    // The first version's link pattern took 10 s on 100,000 "[" and grew with the square.
    const hostile = ['[', '](https://', '**', ' _'].map((unit) => unit.repeat(Math.ceil(1_000_000 / unit.length)));
    for (const line of hostile) expect(markdownToHtml(`- ${line}x`).length).toBeGreaterThan(1000);
    expect(markdownToHtml(`| ${'[a'.repeat(3000)} | x |\n| --- | --- |\n| ${'[b'.repeat(3000)} | y |`)).toContain('<td>');
  });
});

describe('where sign-in returns to', () => {
  it('only ever a page of the console, never another site', () => {
    expect(safeReturnPath('/ui/incidents?status=all&team=platform')).toBe('/ui/incidents?status=all&team=platform');
    for (const hostile of ['https://evil.example', '//evil.example/ui/', '/\\evil.example', '/ui/../api/audit', '/ui/%2E%2e/api/audit', 'javascript:alert(1)', '/ui/x"><script>', undefined, 42]) {
      expect(safeReturnPath(hostile)).toBe('/ui/incidents');
    }
  });
});

describe('the incidents page filters', () => {
  const teams = ['platform', 'payments'];
  it('reads days in the reader’s zone, the "to" day included whole', () => {
    const result = parseIncidentListFilter({ status: 'resolved', team: 'platform', severity: '2', from: '2026-03-29', to: '2026-03-29' }, teams, 'Europe/Paris');
    if (!('filter' in result)) throw new Error(JSON.stringify(result));
    expect(result.filter.from?.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    // The day clocks go forward in Paris has 23 hours.
    expect(result.filter.to?.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(result.filter).toMatchObject({ status: 'resolved', team: 'platform', severity: 2 });
  });

  it('names every field that is wrong, and defaults to open incidents', () => {
    expect(parseIncidentListFilter({}, teams, 'UTC')).toMatchObject({ filter: { status: 'open' } });
    const result = parseIncidentListFilter({ status: 'gone', team: 'x', severity: '0', from: '2026-02-30', to: '2026-01-01' }, teams, 'UTC');
    expect(result).toMatchObject({ problems: ['Status: "gone" is not one of open, triggered, acknowledged, mitigated, resolved, all.', 'Team: no team "x" in oncall.yaml.', 'Severity: "0" is not 1, 2, 3 or 4.', 'Opened from: "2026-02-30" is not a date (YYYY-MM-DD).'] });
    expect(parseIncidentListFilter({ from: '2026-02-02', to: '2026-02-01' }, teams, 'UTC')).toMatchObject({ problems: ['Opened to: must be on or after "Opened from".'] });
  });
});

describe('the session cookie', () => {
  it('is HttpOnly and SameSite=Lax always, Secure and __Host- over https', () => {
    expect(sessionCookie(sessionCookieName(false), 'abc', { secure: false, maxAgeSeconds: 60 })).toBe('incident_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60');
    expect(sessionCookie(sessionCookieName(true), 'abc', { secure: true, maxAgeSeconds: 0 })).toBe('__Host-incident_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
  });

  it('is read by its exact name from a Cookie header', () => {
    expect(cookieValue('a=1; incident_session=xyz; incident_session_old=no', 'incident_session')).toBe('xyz');
    expect(cookieValue('xincident_session=no', 'incident_session')).toBeUndefined();
    expect(cookieValue(undefined, 'incident_session')).toBeUndefined();
  });
});
