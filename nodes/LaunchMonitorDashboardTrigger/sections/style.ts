/** The dashboard's styles, sent in its one nonce'd <style> (no stylesheet to fetch). Readable on a phone: every grid collapses to one column. */
export const DASHBOARD_CSS = `
.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:.5rem}
.meta{color:#4a5550;font-size:.9rem;margin:0}
.status{border-radius:10px;padding:.75rem 1rem;margin:1rem 0;font-weight:600;font-size:1.1rem}
.status.ok{background:#e3f3e9;color:#1c5235;border:1px solid #9fcfb2}
.status.bad{background:#fbe4e2;color:#8a1c15;border:1px solid #e5a39e}
.status.held{background:#fff1d6;color:#6b4307;border:1px solid #e8c27a;font-size:1rem}
.flash{background:#fff6dc;border:1px solid #ecd38b;border-radius:8px;padding:.5rem 1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem;margin:1rem 0}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:1rem;min-width:0}
.card.firing{border:2px solid #c0392b}
.wide-card{margin:1rem 0}
.big{font-size:2rem;font-weight:700;line-height:1.1;margin:.25rem 0}
.sub{color:#4a5550;font-size:.9rem;margin:.25rem 0}
.spark{display:block;width:100%;height:auto;margin:.5rem 0 0}
.spark-line{fill:none;stroke:#2f6f4f;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.firing .spark-line{stroke:#c0392b}
.spark-dot{fill:#1d2521}
.spark-axis{stroke:#d5dbd7;stroke-width:1}
.spark-empty{fill:#7a847f;font-size:11px}
.alerts{list-style:none;margin:0;padding:0}
.alert{background:#fff;border-left:6px solid #c77d12;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:.75rem 1rem;margin:.75rem 0}
.alert.critical{border-left-color:#c0392b}
.alert h3{margin:0;font-size:1.05rem}
.badge{display:inline-block;font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em;border-radius:4px;padding:0 .4rem;margin-left:.4rem;vertical-align:middle;background:#f6e3c3;color:#6b4307}
.badge.critical{background:#f6d3cf;color:#8a1c15}
.badge.on{background:#f6d3cf;color:#8a1c15}
.badge.off{background:#e3f3e9;color:#1c5235}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.3rem .25rem;border-bottom:1px solid #e6eae7;vertical-align:top;overflow-wrap:anywhere}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.warn td{color:#8a1c15;font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
button{padding:.55rem 1.1rem;font:inherit;font-weight:600;color:#fff;background:#2f6f4f;border:0;border-radius:6px;cursor:pointer}
.small{font-size:.85rem;color:#4a5550}
ul.plain{margin:.25rem 0;padding-left:1.1rem}
`;
