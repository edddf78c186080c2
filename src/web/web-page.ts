import { escapeMarkup } from '../paging/escape-markup.js';

/** Text from outside (alert titles, notes, names) placed in HTML: always through here. */
export const h = escapeMarkup;

export interface PageViewer {
  name: string;
  csrfToken: string;
  canSeeReports: boolean;
  canSeeAudit: boolean;
}

export type Section = 'incidents' | 'reports' | 'oncall' | 'audit';

// Served inline with every page: nothing comes from a CDN, and one response paints the page.
// Colours keep a contrast of at least 4.5:1 in both schemes; focus is always visible.
const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1a1a1a;--muted:#555;--line:#d0d0d0;--accent:#0b57d0;--sev1:#b3261e;--sev2:#a34a00;--ok:#146c2e;--gap:#fdecea}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#ececec;--muted:#b0b0b0;--line:#3a3a3a;--accent:#8ab4f8;--sev1:#ff8a80;--sev2:#ffb74d;--ok:#81c995;--gap:#4a1c1a}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:8px;z-index:1}
header{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center;padding:8px 16px;border-bottom:1px solid var(--line)}
header nav ul{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;margin:0;padding:0}
header nav a[aria-current=page]{font-weight:700;text-decoration:none}
header form{margin-left:auto}
main{padding:16px;max-width:1200px;margin:0 auto}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
caption{text-align:left;color:var(--muted);padding-bottom:4px}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:end;margin-bottom:16px}
.filters label{display:flex;flex-direction:column;font-size:.9rem;color:var(--muted)}
input,select,button{font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
button{cursor:pointer;border-color:var(--accent);color:var(--accent)}
.sev1{color:var(--sev1);font-weight:700}.sev2{color:var(--sev2);font-weight:700}.resolved{color:var(--ok)}
.muted{color:var(--muted)}dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dl.facts dt{color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-word}
.scroll{overflow-x:auto}tr.gap td,td.gap{background:var(--gap)}figure{margin:0}figure svg{max-width:100%;height:auto}
@media (min-width:1800px){body{font-size:20px}main{max-width:1600px}}
`;

/** A whole console page: header with the sections this viewer may open, the content, sign-out. */
export function consolePage(title: string, section: Section | undefined, viewer: PageViewer | undefined, content: string): string {
  const link = (to: Section, href: string, label: string) => `<li><a href="${href}"${to === section ? ' aria-current="page"' : ''}>${label}</a></li>`;
  const nav = viewer
    ? `<nav aria-label="Sections"><ul>${link('incidents', '/ui/incidents', 'Incidents')}${viewer.canSeeReports ? link('reports', '/ui/reports', 'Reports') : ''}${link('oncall', '/ui/oncall', 'On call')}${viewer.canSeeAudit ? link('audit', '/ui/audit', 'Audit') : ''}</ul></nav>
<form method="post" action="/ui/sign-out"><input type="hidden" name="csrf" value="${h(viewer.csrfToken)}"><span class="muted">${h(viewer.name)}</span> <button type="submit">Sign out</button></form>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${h(title)} · Incident bot</title><style>${STYLE}</style></head>
<body><a class="skip" href="#main">Skip to content</a><header><strong>Incident bot</strong>${nav}</header>
<main id="main" tabindex="-1"><h1>${h(title)}</h1>${content}</main></body></html>`;
}
